"""The five seed policies run as presets: each is valid, every figure of its seed is in it,
and the comment above it quotes the seed's own sentence (docs/seeds/ holds the seeds)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from guichet.policies.durations import Duration
from guichet.policies.loader import load_policy_file

PRESETS = Path(settings.GUICHET_PRESETS_DIR)
SEEDS = Path(settings.BASE_DIR) / "docs" / "seeds"
SEED_OF = {
    "ej": "000_029a287af90459d7.txt",
    "ivoire-toner": "001_6e441dfe709b6aab.txt",
    "jive": "002_83def75794ab277e.txt",
    "respect": "003_cbd2e5df4ffafe34.txt",
    "jamla24": "004_990ab24e63a121ab.txt",
}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def preset(slug: str):
    result = load_policy_file(PRESETS / f"{slug}.toml")
    assert result.ok, [e.format(slug) for e in result.errors]
    return result.policy


def comments(slug: str) -> str:
    lines = (PRESETS / f"{slug}.toml").read_text(encoding="utf-8").splitlines()
    return flat(
        " ".join(line.strip().lstrip("#") for line in lines if line.strip().startswith("#"))
    )


def rules(policy, kind, **selectors):
    return [
        r
        for r in policy.deadlines
        if r.kind == kind and all(getattr(r, k) == v for k, v in selectors.items())
    ]


def test_there_are_exactly_the_five_presets():
    assert sorted(p.stem for p in PRESETS.glob("*.toml")) == sorted(SEED_OF)


@pytest.mark.parametrize("slug", sorted(SEED_OF))
def test_preset_is_valid_and_named_by_its_slug(slug):
    assert preset(slug).brand.slug == slug


# Sentences of each seed that a preset value comes from; each must be quoted in a comment.
QUOTES = {
    "ej": [
        "Une telle réponse à ladite réclamation est envoyée sous 24 heures lors des jours ouvrables, et sous 72 heures pendant les week-ends.",
        "les réponses écrites complétées et postées dans les 5 jours ouvrables.",
        "un(e) lettre/e-mail de mise à jour sera envoyé(e) dans les 5 jours, expliquant le retard et le moment où une réponse complète sera reçue.",
        "les problèmes liés à la facturation seront traités en priorité dans notre file d’attente sur les problèmes à résoudre.",
        "La résolution par le DG est finale.",
        "vous avez la possibilité de demander à ce qu’une autre personne vous assiste.",
    ],
    "ivoire-toner": [
        "Nous nous efforçons de répondre à chaque appel dans les 30 secondes.",
        "Nous garantissons une réponse dans un délai de 24 heures.",
        "Toutes les demandes seront prises en charge dans un délai maximum de 24 heures (hors weekends et jours fériés).",
        "90 % des demandes simples seront résolues dans un délai de 1 à 2 jours ouvrables.",
        "seront résolues dans un délai de 5 à 7 jours ouvrables.",
        "Les clients peuvent retourner les produits dans un délai de [X] jours suivant la réception",
    ],
    "jive": [
        "composant le 866-671-0111",
        "vous pouvez la faire remonter à un directeur senior ou à un responsable du service d’assistance.",
        "www.ccts-cprst.ca, ou composez le numéro gratuit 1 888 221-1687.",
        "nos conseillers vous poseront peut-être des questions afin de confirmer votre identité",
    ],
    "respect": [
        "Notre équipe demandera poliment et respectueusement aux clients de cesser d'utiliser un langage abusif",
        "Si le comportement persiste, notre équipe peut arrêter la correspondance et les futurs e-mails / messages peuvent être bloqués.",
        "Nous pouvons également renvoyer des cas spécifiques ou des récidivistes aux autorités, le cas échéant.",
        "Votre plainte sera ensuite examinée par un membre de l'équipe de direction et ils vous écriront avec leurs conclusions.",
    ],
    "jamla24": [
        "Lundi - Vendredi: 9:00 - 21:00 Samedi - Dimanche 9:00 - 18:00",
        "ne peut pas résoudre votre problème dans les 24 heures suivant votre premier contact",
        "Si le problème n’est pas résolu dans les 48 heures suivant votre premier contact, il sera automatiquement transféré",
        "Nous nous engageons à résoudre tous les problèmes dans les 5 jours suivant votre premier contact.",
        "Tout vendeur qui refuse de coopérer de manière appropriée pour résoudre la plainte d’un client peut voir son compte vendeur restreint ou résilié.",
    ],
}


@pytest.mark.parametrize(("slug", "quote"), [(s, q) for s, qs in QUOTES.items() for q in qs])
def test_each_figure_cites_its_seed_sentence(slug, quote):
    assert flat(quote) in flat((SEEDS / SEED_OF[slug]).read_text(encoding="utf-8")), (
        "not in the seed"
    )
    assert flat(quote) in comments(slug), "the preset does not quote it"


def test_ej_figures():
    policy = preset("ej")
    [weekday] = rules(policy, "first_response", received_on="open_day")
    [weekend] = rules(policy, "first_response", received_on="closed_day")
    assert (weekday.target, weekday.clock) == (Duration.parse("24h"), "calendar")
    assert (weekend.target, weekend.clock) == (Duration.parse("72h"), "calendar")
    [full] = rules(policy, "full_answer")
    assert (full.target, full.clock, full.contact_types) == (
        Duration.parse("5d"),
        "business_days",
        ["complaint"],
    )
    assert policy.delay_letter.deadline == "full_answer"
    assert [lv.key for lv in policy.levels] == ["front-line", "department", "director"]
    assert policy.levels[-1].final and "Directeur Général" in policy.levels[-1].name.get("fr")
    assert [c.key for c in policy.categories if c.first_in_queue] == ["billing"]
    assert {"question", "comment", "compliment", "complaint"} <= {
        t.type for t in policy.contact_types
    }
    assert policy.contact_type("compliment").thank_and_forward
    assert policy.contact_type("comment").reply == "if_service"
    assert policy.escalation.customer_may_request and policy.escalation.another_person
    assert policy.reports.equality_monitoring


def test_ivoire_toner_figures():
    policy = preset("ivoire-toner")
    assert policy.channel("phone").answer_within == Duration.parse("30s")
    assert policy.channel("email").respond_within == Duration.parse("24h")
    [first] = rules(policy, "first_response")
    assert (first.target, first.clock) == (Duration.parse("24h"), "business_days")
    [simple] = rules(policy, "resolution", complexity=["simple"])
    assert (simple.aim, simple.target, simple.attainment, simple.clock) == (
        Duration.parse("1d"),
        Duration.parse("2d"),
        90,
        "business_days",
    )
    [complex_] = rules(policy, "resolution", complexity=["complex"])
    assert (complex_.aim, complex_.target) == (Duration.parse("5d"), Duration.parse("7d"))
    assert policy.returns.window == policy.returns.refund_within == Duration.parse("14d")
    assert policy.validation.order_reference.pattern
    assert {"product", "delivery", "billing", "technical"} <= {c.key for c in policy.categories}
    assert {"phone", "email", "chat", "social", "faq", "sms", "push"} <= {
        c.kind for c in policy.channels
    }
    assert policy.survey.enabled and policy.levels[-1].key == "experts"


def test_jive_figures():
    policy = preset("jive")
    assert policy.channel("phone").phone == "866-671-0111"
    letter = policy.channel("letter")
    assert "333 Summer Street" in policy.text(letter.postal_address, "en")
    assert "États-Unis" in policy.text(letter.postal_address, "fr")
    assert policy.ombudsman.short_name.get("en") == "CCTS"
    assert policy.ombudsman.website == "https://www.ccts-cprst.ca"
    assert policy.ombudsman.phone == "1 888 221-1687"
    assert policy.escalation.customer_may_request
    assert policy.levels[-1].final and "director" in policy.levels[-1].handled_by
    assert policy.validation.identity_check.methods
    assert rules(policy, "acknowledgement") and rules(policy, "resolution")


def test_respect_figures():
    policy = preset("respect")
    assert policy.conduct.warnings_before_block == 1
    assert policy.conduct.referral_allowed
    assert policy.conduct.agent_complaints_to == "manager"
    assert policy.category("agent-conduct").team == "management"
    assert not policy.escalation.customer_may_request  # "ne changera pas la réponse"


def test_jamla24_figures():
    policy = preset("jamla24")
    hours = policy.calendar.hours
    for day in ("mon", "tue", "wed", "thu", "fri"):
        assert [str(i) for i in getattr(hours, day)] == ["09:00-21:00"]
    for day in ("sat", "sun"):
        assert [str(i) for i in getattr(hours, day)] == ["09:00-18:00"]
    first, second = policy.escalation.automatic
    assert (first.after, first.clock, first.start, first.to_level) == (
        Duration.parse("24h"),
        "calendar",
        "received",
        "problem-resolution",
    )
    assert (second.after, second.to_level) == (Duration.parse("48h"), "customer-experience")
    assert policy.levels[-1].key == "customer-experience" and policy.levels[-1].final
    [resolution] = rules(policy, "resolution", contact_types=[])
    assert (resolution.target, resolution.clock) == (Duration.parse("5d"), "calendar")
    [findings] = rules(policy, "level")
    assert (findings.target, findings.levels) == (Duration.parse("48h"), ["problem-resolution"])
    assert policy.marketplace.strikes_before_restriction >= 1 and policy.marketplace.contact_release


def test_every_default_is_marked_as_such():
    """Values a seed leaves open are chosen by Guichet and said to be (docs/presets.md)."""
    for slug in SEED_OF:
        assert "default:" in comments(slug)
