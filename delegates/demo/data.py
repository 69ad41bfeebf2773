"""The demo's static content.

Bodies, parties and the 11th JWG's programme follow the Indonesian Ministry of
Energy and Mineral Resources' press release of 30 April 2024 (see DOMAIN.md).
What the release does not give is marked as such: session dates and times are
tentative, agenda items are generic, and every delegate is a fictional person
with an address on a domain reserved for examples (RFC 2606).

The 12th JWG is invented outright, to try online registration on: it is
flagged as demo content, and its host, dates and registrations say so.
"""

import datetime
import zoneinfo

from meetings.models import Body, Conclusion, PartyKind

# Parent before child: the loader resolves `parent` by acronym as it goes.
BODIES = (
    {
        "acronym": "AMMin",
        "name": "ASEAN Ministerial Meeting on Minerals",
        "kind": Body.Kind.MINISTERIAL,
        "parent": None,
        "description": "Meets every two years.",
    },
    {
        "acronym": "ASOMM",
        "name": "ASEAN Senior Officials Meeting on Minerals",
        "kind": Body.Kind.SENIOR_OFFICIALS,
        "parent": "AMMin",
        "description": "",
    },
    {
        "acronym": "JWG",
        "name": "Joint Working Group on ASEAN Mineral Cooperation",
        "kind": Body.Kind.WORKING_GROUP,
        "parent": "ASOMM",
        "description": "",
    },
    # The release does not say to whom the task force, the project's steering
    # committee and the workshop report, so they are left without a parent.
    {
        "acronym": "AMCAP-TF",
        "name": "ASEAN Mineral Cooperation Action Plan (AMCAP) Task Force",
        "kind": Body.Kind.TASK_FORCE,
        "parent": None,
        "description": "",
    },
    {
        "acronym": "WGTIM",
        "name": "Working Group on Trade and Investment in Mineral",
        "kind": Body.Kind.WORKING_GROUP,
        "parent": "JWG",
        "description": "",
    },
    {
        "acronym": "WGCBM",
        "name": "Working Group on Capacity Building on Mineral",
        "kind": Body.Kind.WORKING_GROUP,
        "parent": "JWG",
        "description": "",
    },
    {
        "acronym": "WGSMD",
        "name": "Working Group on Sustainable Mineral Development",
        "kind": Body.Kind.WORKING_GROUP,
        "parent": "JWG",
        "description": "",
    },
    {
        "acronym": "WGMID",
        "name": "Working Group on Mineral Information and Database",
        "kind": Body.Kind.WORKING_GROUP,
        "parent": "JWG",
        "description": "",
    },
    {
        "acronym": "PSC-CCOP-KIGAM",
        "name": (
            "Project Steering Committee (PSC) of the ASEAN-CCOP-KIGAM Critical "
            "Minerals Management and Strategy for Sustainable Environment in ASEAN"
        ),
        "kind": Body.Kind.STEERING_COMMITTEE,
        "parent": None,
        "description": "",
    },
    {
        "acronym": "ASEAN-IGF-ASM",
        "name": (
            "ASEAN-IGF Workshop on Formalization of Artisanal and Small-Scale Mining"
        ),
        "kind": Body.Kind.WORKSHOP,
        "parent": None,
        "description": "",
    },
)

WITA = zoneinfo.ZoneInfo("Asia/Makassar")

FOUNDED = datetime.date(1967, 8, 8)

# (code, name, date of admission to ASEAN); the code is the ISO 3166 alpha-3.
MEMBER_STATES = (
    ("BRN", "Brunei Darussalam", datetime.date(1984, 1, 7)),
    ("KHM", "Cambodia", datetime.date(1999, 4, 30)),
    ("IDN", "Indonesia", FOUNDED),
    ("LAO", "Lao PDR", datetime.date(1997, 7, 23)),
    ("MYS", "Malaysia", FOUNDED),
    ("MMR", "Myanmar", datetime.date(1997, 7, 23)),
    ("PHL", "Philippines", FOUNDED),
    ("SGP", "Singapore", FOUNDED),
    ("THA", "Thailand", FOUNDED),
    ("VNM", "Viet Nam", datetime.date(1995, 7, 28)),
    # Admitted at the 47th ASEAN Summit; `Party.kind_on` makes it an observer
    # for any earlier meeting, the 11th JWG included.
    ("TLS", "Timor-Leste", datetime.date(2025, 10, 26)),
)

# (code, name, kind) of parties that are not member states; SHORT_NAMES
# where reports should not use the code.
SHORT_NAMES = {"ESCAP": "UN ESCAP"}

OTHER_PARTIES = (
    ("ASEC", "ASEAN Secretariat", PartyKind.ASEAN_SECRETARIAT),
    (
        "IGF",
        "Intergovernmental Forum on Mining, Minerals, Metals and Sustainable "
        "Development",
        PartyKind.INTERNATIONAL_ORGANISATION,
    ),
    (
        "ESCAP",
        "United Nations Economic and Social Commission for Asia and the Pacific",
        PartyKind.INTERNATIONAL_ORGANISATION,
    ),
    (
        "CCOP",
        "Coordinating Committee for Geoscience Programmes in East and Southeast Asia",
        PartyKind.INTERNATIONAL_ORGANISATION,
    ),
    # KIGAM and USAID are national agencies of two Dialogue Partners (the
    # Republic of Korea and the United States), not international
    # organisations; PartyKind has no kind for a partner's agency, and listing
    # them with the Dialogue Partners is what they are there for.
    (
        "KIGAM",
        "Korea Institute of Geoscience and Mineral Resources",
        PartyKind.DIALOGUE_PARTNER,
    ),
    (
        "USAID",
        "United States Agency for International Development",
        PartyKind.DIALOGUE_PARTNER,
    ),
    (
        "IDNOC",
        "Organising Committee, Directorate General of Mineral and Coal, Indonesia",
        PartyKind.HOST_COMMITTEE,
    ),
    # The invented host of the invented 12th JWG; the name says so because a
    # party, unlike a meeting, has no demo flag.
    (
        "MYSOC",
        "Organising Committee, Malaysia (demo)",
        PartyKind.HOST_COMMITTEE,
    ),
)

JWG11 = {
    "slug": "jwg-11",
    "title": (
        "11th Joint Working Group Meeting on ASEAN Mineral Cooperation and Its "
        "Associated Meetings"
    ),
    "body": "JWG",
    "number": 11,
    "host_country": "IDN",
    "host_organisation": (
        "Directorate General of Mineral and Coal, Ministry of Energy and Mineral "
        "Resources"
    ),
    # The release names the city only; a venue would be invented.
    "venue": "",
    "city": "Kuta, Bali",
    "start_date": datetime.date(2024, 4, 29),
    "end_date": datetime.date(2024, 5, 3),
    "time_zone": "Asia/Makassar",
    "description": (
        "Opened by the Acting Director General of Mineral and Coal, Indonesia's "
        "ASOMM Leader. The Meeting was attended by all ASEAN Member States "
        "except Viet Nam, and by Dialogue Partners and international "
        "organisations including IGF, UN ESCAP, CCOP, KIGAM and USAID (USAID for "
        "the first time in a JWG).\n\n"
        "Source: press release of the Ministry of Energy and Mineral Resources "
        "of Indonesia, 30 April 2024. The release gives the order of the "
        "associated meetings but not their dates or times, so the dates and "
        "times of the sessions here are illustrative. The delegates listed are "
        "fictional people, for demonstration only."
    ),
}

_OPENING = ("Opening remarks", "")
_AGENDA = ("Adoption of the agenda", "")
_OTHER = ("Other matters", "")
_NEXT = ("Date and venue of the next meeting", "")

# Times are local (Asia/Makassar) and illustrative: one session a day to start,
# then two a day, keeping the release's order.
SESSIONS = (
    {
        "order": 1,
        "body": "ASEAN-IGF-ASM",
        "title": (
            "ASEAN-IGF Workshop on Formalization of Artisanal and Small-Scale Mining"
        ),
        "date": datetime.date(2024, 4, 29),
        "starts": datetime.time(9, 0),
        "ends": datetime.time(17, 0),
        "agenda": (
            _OPENING,
            ("Formalization of artisanal and small-scale mining", ""),
            ("Closing remarks", ""),
        ),
    },
    {
        "order": 2,
        "body": "JWG",
        "title": "Joint Working Group on ASEAN Mineral Cooperation (JWG)",
        "date": datetime.date(2024, 4, 30),
        "starts": datetime.time(9, 0),
        "ends": datetime.time(17, 0),
        "agenda": (
            _OPENING,
            _AGENDA,
            (
                "Drafting of the 4th ASEAN Mineral Cooperation Action Plan (AMCAP-IV)",
                "Putting concrete and measurable activities first.",
            ),
            (
                "ASEAN Mineral Information System (AMIS)",
                "Completing the project, to inform investment in the region's "
                "mineral sector.",
            ),
            (
                "ASEAN Mineral Trust Fund (AMTF)",
                "Wider use of the fund to finance delayed projects.",
            ),
            (
                "Format of the ASEAN Ministerial Meeting on Minerals (AMMin)",
                "Held every two years; options include meeting online.",
            ),
            (
                "ASEAN Mining Vision",
                "Involving USAID, with the other Dialogue Partners, in drafting.",
            ),
            _OTHER,
            _NEXT,
        ),
    },
    {
        "order": 3,
        "body": "AMCAP-TF",
        "title": "ASEAN Mineral Cooperation Action Plan (AMCAP) Task Force Meeting",
        "date": datetime.date(2024, 5, 1),
        "starts": datetime.time(9, 0),
        "ends": datetime.time(12, 0),
        "agenda": (
            _OPENING,
            _AGENDA,
            ("Drafting of AMCAP-IV", ""),
            _OTHER,
            _NEXT,
        ),
    },
    {
        "order": 4,
        "body": "WGTIM",
        "title": "Working Group on Trade and Investment in Mineral (WGTIM)",
        "date": datetime.date(2024, 5, 1),
        "starts": datetime.time(13, 30),
        "ends": datetime.time(17, 0),
        "agenda": (_OPENING, _AGENDA, ("Work of the Working Group", ""), _OTHER, _NEXT),
    },
    {
        "order": 5,
        "body": "WGCBM",
        "title": "Working Group on Capacity Building on Mineral (WGCBM)",
        "date": datetime.date(2024, 5, 2),
        "starts": datetime.time(9, 0),
        "ends": datetime.time(12, 0),
        "agenda": (_OPENING, _AGENDA, ("Work of the Working Group", ""), _OTHER, _NEXT),
    },
    {
        "order": 6,
        "body": "WGSMD",
        "title": "Working Group on Sustainable Mineral Development (WGSMD)",
        "date": datetime.date(2024, 5, 2),
        "starts": datetime.time(13, 30),
        "ends": datetime.time(17, 0),
        "agenda": (_OPENING, _AGENDA, ("Work of the Working Group", ""), _OTHER, _NEXT),
    },
    {
        "order": 7,
        "body": "WGMID",
        "title": "Working Group on Mineral Information and Database (WGMID)",
        "date": datetime.date(2024, 5, 3),
        "starts": datetime.time(9, 0),
        "ends": datetime.time(12, 0),
        "agenda": (_OPENING, _AGENDA, ("Work of the Working Group", ""), _OTHER, _NEXT),
    },
    {
        "order": 8,
        "body": "PSC-CCOP-KIGAM",
        "title": (
            "Project Steering Committee (PSC) Meeting of the ASEAN-CCOP-KIGAM "
            "Critical Minerals Management and Strategy for Sustainable "
            "Environment in ASEAN"
        ),
        "date": datetime.date(2024, 5, 3),
        "starts": datetime.time(13, 30),
        "ends": datetime.time(17, 0),
        "agenda": (
            _OPENING,
            _AGENDA,
            ("Progress of the project", ""),
            _OTHER,
            _NEXT,
        ),
    },
)

ALL_SESSIONS = tuple(session["order"] for session in SESSIONS)

# Illustrative: when the fictional delegates accepted the privacy notice and
# when the secretariat approved them.
CONSENT_AT = datetime.datetime(2024, 4, 15, 10, 0, tzinfo=WITA)
DECIDED_AT = datetime.datetime(2024, 4, 22, 10, 0, tzinfo=WITA)

# One delegation per party at the 11th JWG. `sessions` are the orders of the
# sessions its delegates attended (the release says who attended the meeting,
# not which session: member states, the Secretariat and the host are put at
# every session; partners at the JWG and at the sessions named after them).
# `delegates` are fictional: (honorific, given name, family name, position,
# role, may be published); the first is the Head of Delegation.
#
# Viet Nam did not attend. Its delegation exists, empty, rather than holding
# withdrawn registrations: those would invent people and a withdrawal the
# release knows nothing of, while an empty delegation says only what it does,
# that Viet Nam was expected and sent no one.
DELEGATIONS = (
    {
        "party": "BRN",
        "quota": 8,
        "agency": "Ministry of Energy",
        "nationality": "BRN",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Mr", "Hazri", "Osman", "Director", "head", True),
            ("Ms", "Nurul Aini", "Yusof", "Senior Officer", "delegate", True),
        ),
    },
    {
        "party": "KHM",
        "quota": 8,
        "agency": "General Department of Mineral Resources, Ministry of Mines and "
        "Energy",
        "nationality": "KHM",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Mr", "Vannak", "Pich", "Deputy Director", "head", True),
            ("Ms", "Sreymom", "Keo", "Chief of Office", "alternate", True),
            ("Mr", "Dara", "Lim", "Geologist", "delegate", True),
        ),
    },
    {
        "party": "IDN",
        "quota": 8,
        "agency": "Directorate General of Mineral and Coal, Ministry of Energy and "
        "Mineral Resources",
        "nationality": "IDN",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Ir.", "Hendra", "Wibisono", "Director", "head", True),
            ("Ms", "Rina", "Kusumawati", "Deputy Director", "alternate", True),
            ("Mr", "Agus", "Prasetyo", "Mining Engineer", "delegate", True),
            ("Ms", "Wulan", "Sari", "Analyst", "delegate", False),
        ),
    },
    {
        "party": "LAO",
        "quota": 8,
        "agency": "Department of Mines, Ministry of Energy and Mines",
        "nationality": "LAO",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Mr", "Somphone", "Keomany", "Deputy Director General", "head", True),
            ("Ms", "Vilayvanh", "Phommachanh", "Technical Officer", "delegate", True),
        ),
    },
    {
        "party": "MYS",
        "quota": 8,
        "agency": "Department of Mineral and Geoscience Malaysia",
        "nationality": "MYS",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Mr", "Ahmad Faizal", "Rahman", "Director", "head", True),
            ("Ms", "Mei Ling", "Lim", "Senior Geologist", "delegate", False),
            ("Mr", "Suresh", "Nair", "Assistant Director", "delegate", True),
        ),
    },
    {
        "party": "MMR",
        "quota": 8,
        "agency": "Department of Mines, Ministry of Natural Resources and "
        "Environmental Conservation",
        "nationality": "MMR",
        "sessions": ALL_SESSIONS,
        # Myanmar names have no family name; the whole name goes there.
        "delegates": (
            ("Mr", "", "Kyaw Min Oo", "Deputy Director", "head", True),
            ("Ms", "", "Thandar Hlaing", "Assistant Director", "delegate", True),
        ),
    },
    {
        "party": "PHL",
        "quota": 8,
        "agency": "Mines and Geosciences Bureau, Department of Environment and "
        "Natural Resources",
        "nationality": "PHL",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Ms", "Maria Teresa", "Villareal", "Division Chief", "head", True),
            (
                "Mr",
                "Paolo",
                "Dimaculangan",
                "Senior Science Research Specialist",
                "delegate",
                True,
            ),
            ("Mr", "Ramil", "Bautista", "Mining Engineer", "delegate", True),
        ),
    },
    {
        "party": "SGP",
        "quota": 8,
        "agency": "Ministry of Trade and Industry",
        "nationality": "SGP",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Mr", "Wei Jie", "Tan", "Deputy Director", "head", True),
            ("Ms", "Priya", "Raman", "Senior Executive", "delegate", True),
        ),
    },
    {
        "party": "THA",
        "quota": 8,
        "agency": "Department of Primary Industries and Mines, Ministry of Industry",
        "nationality": "THA",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Ms", "Kanokwan", "Srisawat", "Director", "head", True),
            ("Mr", "Thanakorn", "Boonmee", "Geologist", "delegate", True),
            (
                "Ms",
                "Pimchanok",
                "Wongsuwan",
                "Foreign Relations Officer",
                "delegate",
                True,
            ),
        ),
    },
    {
        "party": "VNM",
        "quota": 8,
        "agency": "",
        "nationality": "VNM",
        "sessions": (),
        "notes": "No delegate attended the 11th JWG (press release, 30 April 2024).",
        "delegates": (),
    },
    {
        "party": "ASEC",
        "quota": 3,
        "agency": "ASEAN Secretariat",
        "nationality": "",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Ms", "Ayu", "Pratama", "Senior Officer", "head", True),
            ("Mr", "Jerome", "Castillo", "Officer", "secretariat", True),
        ),
    },
    {
        "party": "IGF",
        "quota": 3,
        "agency": "IGF Secretariat",
        "nationality": "",
        "sessions": (1, 2),
        "delegates": (
            ("Ms", "Claire", "Fontaine", "Senior Policy Advisor", "head", True),
            ("Mr", "Daniel", "Asante", "Programme Officer", "resource_person", True),
        ),
    },
    {
        "party": "ESCAP",
        "quota": 3,
        "agency": "UN ESCAP",
        "nationality": "",
        "sessions": (2,),
        "delegates": (
            ("Mr", "Kenji", "Morimoto", "Economic Affairs Officer", "head", True),
        ),
    },
    {
        "party": "CCOP",
        "quota": 3,
        "agency": "CCOP Technical Secretariat",
        "nationality": "",
        "sessions": (2, 8),
        "delegates": (
            ("Dr", "Pongsak", "Rattanakul", "Programme Officer", "head", True),
            ("Ms", "Siriwan", "Chaiyasit", "Geoscience Officer", "delegate", True),
        ),
    },
    {
        "party": "KIGAM",
        "quota": 3,
        "agency": "Korea Institute of Geoscience and Mineral Resources",
        "nationality": "KOR",
        "sessions": (2, 8),
        "delegates": (
            ("Dr", "Ji-hoon", "Baek", "Principal Researcher", "head", True),
            ("Dr", "Seo-yeon", "Han", "Senior Researcher", "delegate", True),
        ),
    },
    {
        "party": "USAID",
        "quota": 3,
        "agency": "United States Agency for International Development",
        "nationality": "",
        "sessions": (2,),
        "delegates": (("Ms", "Rebecca", "Hollister", "Senior Advisor", "head", True),),
    },
    {
        "party": "IDNOC",
        "quota": None,
        "agency": "Directorate General of Mineral and Coal, Ministry of Energy and "
        "Mineral Resources",
        "nationality": "IDN",
        "sessions": ALL_SESSIONS,
        "delegates": (
            ("Ms", "Fitri", "Anggraeni", "Head of Section", "head", True),
            ("Mr", "Yudi", "Hartanto", "Staff", "organising_committee", True),
            ("Ms", "Lusi", "Marlina", "Staff", "organising_committee", True),
        ),
    },
)

# RFC 2606 reserves it for examples, so no mail reaches a real person.
EMAIL_DOMAIN = "example.org"

# The 12th JWG: an upcoming meeting whose registration is open whenever the
# demo is loaded. Nothing about it has been announced, so everything but the
# body and the ordinal is invented: the host is one member state chosen for
# the demo, with no venue and no host organisation, and the dates are worked
# out from the day the demo is loaded (see `loader.jwg12_schedule`).
JWG12 = {
    "slug": "jwg-12",
    "title": (
        "12th Joint Working Group Meeting on ASEAN Mineral Cooperation and Its "
        "Associated Meetings (demo)"
    ),
    "body": "JWG",
    "number": 12,
    "host_country": "MYS",
    "host_organisation": "",
    "venue": "",
    "city": "Kuala Lumpur",
    "time_zone": "Asia/Kuala_Lumpur",
    "description": (
        "Demo content: this meeting is invented so that the portal's online "
        "registration can be tried. It is not an announced meeting. Its host, "
        "city and dates were chosen for the demonstration and move with the "
        "day the demo is loaded, so that registration is always open; the "
        "programme repeats the associated meetings of the 11th JWG with "
        "tentative times and generic agendas. The delegates listed are "
        "fictional people."
    ),
}

# It starts on the first Monday at least this many days after the day the demo
# is loaded, and runs Monday to Friday like the 11th JWG.
JWG12_LEAD_DAYS = 60
JWG12_LENGTH_DAYS = 5
# Registration opened this many days before the demo was loaded (so it is open
# now, with a few weeks of registrations behind it) and closes this many days
# before the meeting's first day.
REGISTRATION_OPENED_DAYS_AGO = 30
REGISTRATION_CLOSES_DAYS_BEFORE = 14

_JWG12_AGENDAS = {
    # The 11th JWG's topics were that meeting's; the next one's are unknown.
    2: (_OPENING, _AGENDA, ("Matters arising from the 11th JWG", ""), _OTHER, _NEXT),
    3: (_OPENING, _AGENDA, ("Work of the Task Force", ""), _OTHER, _NEXT),
}

# The project's own parties by kind: member states, the Secretariat, CCOP (an
# international organisation) and KIGAM (with the Dialogue Partners). An
# observer or the host's committee cannot choose it, so the form shows a
# session that is not open to everyone.
PSC_OPEN_TO = tuple(
    kind
    for kind in PartyKind.values
    if kind
    in (
        PartyKind.MEMBER_STATE,
        PartyKind.DIALOGUE_PARTNER,
        PartyKind.INTERNATIONAL_ORGANISATION,
        PartyKind.ASEAN_SECRETARIAT,
    )
)

# The 11th JWG's sessions in the same order, on the same day of the week and
# at the same local times; `day` counts from the first day. The workshop has
# a room of 40, so that the form shows a session with a limit.
JWG12_SESSIONS = tuple(
    {
        "order": row["order"],
        "body": row["body"],
        "title": row["title"],
        "day": (row["date"] - JWG11["start_date"]).days,
        "starts": row["starts"],
        "ends": row["ends"],
        "agenda": _JWG12_AGENDAS.get(row["order"], row["agenda"]),
        "capacity": 40 if row["body"] == "ASEAN-IGF-ASM" else None,
        "open_to": PSC_OPEN_TO if row["body"] == "PSC-CCOP-KIGAM" else PartyKind.values,
    }
    for row in SESSIONS
)

# Delegations besides the member states, which are those of the meeting's
# first day (Timor-Leste among them since 26 October 2025), each with a quota
# of 6. USAID, at the 11th JWG, is left out: the agency stopped operating in
# 2025 and its remaining programmes passed to the US Department of State, so
# a USAID delegation at a later meeting would be wrong, not just invented.
AMS_QUOTA = 6
JWG12_OTHER_DELEGATIONS = (
    ("ASEC", 3),
    ("IGF", 3),
    ("ESCAP", 3),
    ("CCOP", 3),
    ("KIGAM", 3),
    ("MYSOC", None),
)

# Registrations in every status, by party; the references number them in this
# order within each party. A delegate is either `returning` (party and place
# in that party's 11th JWG delegation, 1 for its head) or a new fictional
# `person`: (honorific, given name, family name, position, agency,
# nationality). `submitted` and `decided` are days after registration opened.
# `by_focal_point`: the focal point submitted it (and so endorsed it);
# `endorsement` is the focal point's say, given the next day otherwise.
JWG12_REGISTRATIONS = (
    {
        "party": "MYS",
        "returning": ("MYS", 1),
        "role": "head",
        "status": "approved",
        "sessions": ALL_SESSIONS,
        "submitted": 2,
        "by_focal_point": True,
        "endorsement": "endorsed",
        "decided": 4,
        "reason": "",
        "publish": True,
    },
    {
        "party": "MYS",
        "person": (
            "Ms",
            "Nurul Huda",
            "Ismail",
            "Geologist",
            "Department of Mineral and Geoscience Malaysia",
            "MYS",
        ),
        "role": "delegate",
        "status": "pending",
        "sessions": ALL_SESSIONS,
        "submitted": 9,
        "by_focal_point": False,
        "endorsement": "endorsed",
        "decided": None,
        "reason": "",
        "publish": True,
    },
    {
        "party": "MYS",
        "person": (
            "Mr",
            "Kah Leong",
            "Wong",
            "Assistant Director",
            "Department of Mineral and Geoscience Malaysia",
            "MYS",
        ),
        "role": "delegate",
        "status": "pending",
        "sessions": (2, 3, 4, 5, 6, 7),
        "submitted": 15,
        "by_focal_point": False,
        "endorsement": "awaiting",
        "decided": None,
        "reason": "",
        "publish": False,
    },
    {
        "party": "IDN",
        "returning": ("IDN", 1),
        "role": "head",
        "status": "approved",
        "sessions": ALL_SESSIONS,
        "submitted": 3,
        "by_focal_point": True,
        "endorsement": "endorsed",
        "decided": 6,
        "reason": "",
        "publish": True,
    },
    {
        "party": "IDN",
        "person": (
            "Mr",
            "Bayu",
            "Nugroho",
            "Geologist",
            "Geological Agency, Ministry of Energy and Mineral Resources",
            "IDN",
        ),
        "role": "delegate",
        "status": "waitlisted",
        "sessions": (1, 2, 7),
        "submitted": 8,
        "by_focal_point": False,
        "endorsement": "endorsed",
        "decided": 11,
        "reason": (
            "On the waiting list until the host confirms the number of seats at "
            "the workshop."
        ),
        "publish": True,
    },
    {
        "party": "PHL",
        "person": (
            "Ms",
            "Angelica",
            "Soriano",
            "Senior Geologist",
            "Mines and Geosciences Bureau, Department of Environment and Natural "
            "Resources",
            "PHL",
        ),
        "role": "delegate",
        "status": "rejected",
        "sessions": ALL_SESSIONS,
        "submitted": 6,
        "by_focal_point": False,
        "endorsement": "declined",
        "decided": 10,
        "reason": (
            "The Philippines' focal point did not nominate this participant. The "
            "focal point may nominate another delegate in this place."
        ),
        "publish": True,
    },
    {
        "party": "THA",
        "person": (
            "Mr",
            "Nattapong",
            "Chaiwong",
            "Mining Engineer",
            "Department of Primary Industries and Mines, Ministry of Industry",
            "THA",
        ),
        "role": "delegate",
        "status": "withdrawn",
        "sessions": ALL_SESSIONS,
        "submitted": 4,
        "by_focal_point": False,
        "endorsement": "endorsed",
        # Approved on this day, then withdrawn by the delegate.
        "decided": 7,
        "reason": "",
        "publish": True,
    },
    {
        "party": "TLS",
        "person": (
            "Mr",
            "Agostinho",
            "Ximenes",
            "Director",
            "Ministry of Petroleum and Mineral Resources",
            "TLS",
        ),
        "role": "head",
        "status": "pending",
        "sessions": ALL_SESSIONS,
        "submitted": 12,
        "by_focal_point": True,
        "endorsement": "endorsed",
        "decided": None,
        "reason": "",
        "publish": True,
    },
    {
        "party": "ASEC",
        "returning": ("ASEC", 1),
        "role": "head",
        "status": "approved",
        "sessions": ALL_SESSIONS,
        "submitted": 1,
        "by_focal_point": False,
        "endorsement": "awaiting",
        "decided": 2,
        "reason": "",
        "publish": True,
    },
    {
        "party": "IGF",
        "person": (
            "Dr",
            "Helena",
            "Marques",
            "Programme Officer",
            "IGF Secretariat",
            "",
        ),
        "role": "resource_person",
        "status": "approved",
        "sessions": (1, 2),
        "submitted": 5,
        "by_focal_point": False,
        "endorsement": "awaiting",
        "decided": 8,
        "reason": "",
        "publish": True,
    },
    {
        "party": "KIGAM",
        "returning": ("KIGAM", 1),
        "role": "head",
        "status": "pending",
        "sessions": (2, 8),
        "submitted": 14,
        "by_focal_point": False,
        "endorsement": "awaiting",
        "decided": None,
        "reason": "",
        "publish": True,
    },
)

# Draft minutes of the 11th JWG's JWG session, by agenda item number. They
# restate the press release and nothing more: the release reports on the
# series of meetings as a whole, was issued while it was under way (the
# Meeting "was expected to agree" AMCAP-IV's drafting), and names no one
# responsible for AMIS, no due dates and no date for the next JWG; the minutes
# say so rather than fill the gaps. Items the release says nothing about are
# marked as such. `bodies` are acronyms, `parties` party codes.
_NOT_REPORTED = "The press release does not report on this item."

JWG11_MINUTES = {
    "session_order": 2,
    "introduction": (
        "**Demo content: drafted from the press release of 30 April 2024; not "
        "an official record.**\n\n"
        "The 11th Joint Working Group Meeting on ASEAN Mineral Cooperation and "
        "Its Associated Meetings took place in Kuta, Bali, from 29 April to "
        "3 May 2024. The Meeting was attended by all ASEAN Member States except "
        "Viet Nam, and by Dialogue Partners and international organisations, "
        "among them IGF, UN ESCAP, CCOP, KIGAM and USAID; it was the first time "
        "USAID took part in a JWG.\n\n"
        "The release reports on the series of meetings as a whole; these draft "
        "minutes place what it says under the JWG's agenda items."
    ),
    "items": {
        "1": {
            "discussion": (
                "The Acting Director General of Mineral and Coal, Indonesia's "
                "ASOMM Leader, opened the meetings. He stressed the need for "
                "ASEAN Member States (AMS) to strengthen their commitment to make "
                "mineral cooperation in ASEAN more strategic, so that ASEAN "
                "becomes a centre of mineral downstreaming, and said that an "
                "effective and efficient organisational structure of ASOMM should "
                "put the participation and involvement of AMS representatives at "
                "every meeting first."
            ),
        },
        "2": {"discussion": _NOT_REPORTED},
        "3": {
            "discussion": (
                "The Meeting was expected to agree that the drafting of the 4th "
                "ASEAN Mineral Cooperation Action Plan (AMCAP-IV) should put "
                "concrete and measurable activities first. The involvement of "
                "international organisations in the JWG is expected to "
                "contribute to carrying out AMCAP activities, according to the "
                "partners' capacity and capability."
            ),
            "conclusions": (
                (
                    Conclusion.Kind.AGREED,
                    "that AMCAP-IV be drafted putting concrete and measurable "
                    "activities first.",
                ),
            ),
        },
        "4": {
            "discussion": (
                "Completing the ASEAN Mineral Information System (AMIS) project "
                "is among the important activities ahead. AMIS is to provide "
                "information that promotes ASEAN countries as destinations for "
                "investment in the mineral sector."
            ),
            "conclusions": (
                (
                    Conclusion.Kind.NOTED,
                    "that completing the AMIS project is among the important "
                    "activities ahead.",
                ),
            ),
            "actions": (
                {
                    "text": (
                        "Complete the ASEAN Mineral Information System (AMIS) project."
                    ),
                    "responsible_note": (
                        "Not named in the press release; followed up by the JWG."
                    ),
                    "bodies": ("JWG",),
                    "parties": (),
                },
            ),
        },
        "5": {
            "discussion": (
                "Indonesia encouraged a larger share of use of the ASEAN Mineral "
                "Trust Fund (AMTF) as a way of financing projects whose "
                "implementation is at present delayed. A larger share of use of "
                "the AMTF could finance more beneficial cooperation activities."
            ),
            "conclusions": (
                (
                    Conclusion.Kind.NOTED,
                    "Indonesia's call for wider use of the AMTF to finance "
                    "delayed projects.",
                ),
            ),
        },
        "6": {
            "discussion": (
                "AMS discussed an evaluation of how the ASEAN Ministerial Meeting "
                "on Minerals (AMMin), at present held every two years, is "
                "organised, including the option of holding it online to raise "
                "the attendance of Ministers."
            ),
            "conclusions": (
                (
                    Conclusion.Kind.REQUESTED,
                    "the ASEAN Secretariat to consolidate the positions of AMS on "
                    "the options for organising future AMMin, including holding "
                    "it online.",
                ),
            ),
            "actions": (
                {
                    "text": (
                        "Consolidate the positions of AMS on the options for "
                        "organising future AMMin, including holding it online to "
                        "raise the attendance of Ministers."
                    ),
                    "responsible_note": "The ASEAN Secretariat.",
                    "bodies": (),
                    "parties": ("ASEC",),
                },
            ),
        },
        "7": {
            "discussion": (
                "USAID took part in a JWG for the first time. AMS agreed to "
                "involve USAID, together with the other Dialogue Partners, in "
                "drafting the ASEAN Mining Vision."
            ),
            "conclusions": (
                (
                    Conclusion.Kind.AGREED,
                    "To involve USAID, together with the other Dialogue Partners, "
                    "in drafting the ASEAN Mining Vision.",
                ),
            ),
        },
        "8": {"discussion": _NOT_REPORTED},
        "9": {
            "discussion": (
                "Indonesia will again host the ASEAN Senior Officials Meeting on "
                "Minerals (ASOMM) at the end of 2024 in Bali, together with the "
                "ASEAN Mineral Business Forum, towards making ASEAN a destination "
                "for investment in the mineral sector. The press release gives no "
                "date or venue for the next JWG."
            ),
            "conclusions": (
                (
                    Conclusion.Kind.NOTED,
                    "that Indonesia will host ASOMM at the end of 2024 in Bali, "
                    "together with the ASEAN Mineral Business Forum.",
                ),
            ),
        },
    },
}
