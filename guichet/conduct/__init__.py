"""Conduct (docs/requirements.md AB-1, AB-2, AB-3): abusive messages detected and decided, the
graduated procedure (warning letters, the block, the referral), complaints about an agent."""
