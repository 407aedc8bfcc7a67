"""The vocabulary of the demo data: names, platforms, countries, plans, channels and campaigns,
with the weights they are drawn with."""

from __future__ import annotations

from growthgraph.graph.labels import ReferrerKindName
from growthgraph.loading.dataset import PartnerKindName

PLATFORM_WEIGHTS = (
    ("instagram", 0.34),
    ("tiktok", 0.28),
    ("youtube", 0.20),
    ("x", 0.10),
    ("twitch", 0.08),
)
PLAN_WEIGHTS = (("free", 0.74), ("pro", 0.20), ("team", 0.06))
COUNTRY_WEIGHTS = (
    ("US", 0.26), ("IN", 0.08), ("GB", 0.07), ("BR", 0.07), ("DE", 0.06), ("FR", 0.05),
    ("CA", 0.04), ("MX", 0.04), ("ES", 0.04), ("ID", 0.03), ("NL", 0.03), ("IT", 0.03),
    ("AU", 0.03), ("JP", 0.03), ("PT", 0.02), ("PL", 0.02), ("SE", 0.02), ("NG", 0.02),
    ("ZA", 0.02), ("TR", 0.02), ("KR", 0.02),
)  # fmt: skip
CHANNEL_WEIGHTS: dict[ReferrerKindName, tuple[tuple[str, float], ...]] = {
    "USER": (
        ("link", 0.32),
        ("email", 0.18),
        ("in-app", 0.18),
        ("social", 0.14),
        ("sms", 0.12),
        ("qr", 0.06),
    ),
    "INFLUENCER": (("social", 0.60), ("link", 0.30), ("qr", 0.10)),
    "PARTNER": (("link", 0.50), ("email", 0.25), ("in-app", 0.25)),
}
# Monday..Sunday and 00..23 UTC: weekdays and evenings bring more sign-ups.
WEEKDAY_WEIGHTS = (1.10, 1.15, 1.12, 1.05, 0.95, 0.80, 0.83)
HOUR_WEIGHTS = (
    0.45, 0.35, 0.28, 0.25, 0.25, 0.30, 0.45, 0.65, 0.85, 1.00, 1.05, 1.10,
    1.15, 1.15, 1.10, 1.10, 1.15, 1.25, 1.40, 1.55, 1.60, 1.45, 1.10, 0.75,
)  # fmt: skip

FIRST_NAMES = (
    "ana", "ben", "chloe", "diego", "emma", "farah", "gabriel", "hana", "ivan", "julia",
    "kenji", "lena", "mateo", "nadia", "omar", "priya", "quinn", "rafael", "sofia", "tomas",
    "uma", "victor", "wei", "yara", "zoe", "amara", "bruno", "camila", "daniel", "elif",
    "felix", "grace", "hugo", "ines", "jonas", "kofi", "lucas", "maya", "noah", "olivia",
    "pedro", "rosa", "sami", "tara", "yusuf", "ali", "mia", "leo",
)  # fmt: skip
LAST_NAMES = (
    "silva", "smith", "garcia", "muller", "rossi", "kim", "nguyen", "patel", "santos",
    "cohen", "novak", "jensen", "kowalski", "tanaka", "okafor", "martin", "lopez", "brown",
    "wilson", "dubois", "costa", "schmidt", "ivanova", "yilmaz", "chen", "singh", "khan",
    "fischer", "moreau", "haddad", "mendes", "larsen", "ortiz", "romero", "becker", "sato",
    "adeyemi", "murphy", "walsh", "hernandez", "park", "ali", "berg", "rahman", "popescu",
    "ferreira", "lee", "jones",
)  # fmt: skip
NICHES = (
    "eats", "fit", "travels", "codes", "plays", "styles", "glow", "tech", "diy", "hikes",
    "reads", "cooks",
)  # fmt: skip
PARTNER_PREFIXES = (
    "Northwind", "Bluebird", "Acme", "Globex", "Initech", "Contoso", "Fabrikam", "Tailspin",
    "Litware", "Brightpath", "Cobalt", "Evergreen", "Lumen", "Meridian", "Summit", "Vertex",
    "Harbor", "Atlas",
)  # fmt: skip
PARTNER_SUFFIXES: dict[PartnerKindName, tuple[str, ...]] = {
    "app-marketplace": ("App Hub", "Marketplace", "App Store"),
    "affiliate": ("Deals", "Rewards", "Coupons"),
    "co-marketing": ("Studio", "Media", "Labs"),
    "alliance": ("Systems", "Group", "Alliance"),
    "reseller": ("Solutions", "Distribution", "IT Services"),
}
PARTNER_KIND_WEIGHTS: tuple[tuple[PartnerKindName, float], ...] = (
    ("affiliate", 0.35),
    ("reseller", 0.20),
    ("app-marketplace", 0.18),
    ("co-marketing", 0.15),
    ("alliance", 0.12),
)

# (name, utm_source, utm_medium, utm_campaign): one campaign per platform, one per partner kind and
# two user-to-user programmes, so a referral's campaign agrees with where it came from.
_Utm = tuple[str, str, str, str]
PLATFORM_CAMPAIGNS: dict[str, _Utm] = {
    "instagram": ("Summer Creators", "instagram", "influencer", "summer-creators"),
    "tiktok": ("TikTok Spark", "tiktok", "influencer", "tiktok-spark"),
    "youtube": ("YouTube Reviews", "youtube", "video", "yt-reviews"),
    "x": ("Launch Threads", "x", "social", "launch-threads"),
    "twitch": ("Streamer Week", "twitch", "livestream", "streamer-week"),
}
PARTNER_CAMPAIGNS: dict[PartnerKindName, _Utm] = {
    "app-marketplace": ("Marketplace Launch", "marketplace", "listing", "marketplace-launch"),
    "affiliate": ("Affiliate Always-On", "affiliate", "cpa", "affiliate-always-on"),
    "co-marketing": ("Co-marketing Webinar", "partner", "webinar", "comarketing-webinar"),
    "alliance": ("Alliance Bundle", "alliance", "bundle", "alliance-bundle"),
    "reseller": ("Reseller Q3 Push", "reseller", "partner", "reseller-q3-push"),
}
USER_CAMPAIGNS: tuple[tuple[_Utm, float], ...] = (
    (("Give 10, Get 10", "referral", "invite", "give10-get10"), 0.7),
    (("Refer a Team", "referral", "email", "refer-a-team"), 0.3),
)
