"""Service levels: business time, deadlines and (later) the watcher that acts on them."""
