"""The demo workspace's strategy: pillar shares and purposes, personas, platform goals, the
default posting frequency and a backlog of ideas (in Swedish, like the rest of its content)
big enough for "fill the month" to fill a whole month on four platforms.

Idempotent: what exists is left as it is; ideas are added once (by title).
"""

from __future__ import annotations

from typing import Any

from manyhats.content.planning.targets import ensure_template
from manyhats.content.posts import actions
from manyhats.content.posts.models import Persona, Pillar, PlatformGoal, Post
from manyhats.workspaces.models import Membership, Workspace

# name -> (colour, share %, purpose); the first three are made by content.demo.
PILLARS: dict[str, tuple[str, int, str]] = {
    "Kaffekunskap": ("#8b5a2b", 40, "Vi lär ut bryggning, ursprung och rostning, så att "
                     "kunderna litar på oss som experter."),
    "Bakom kulisserna": ("#2f6f4f", 30, "Människorna och hantverket bakom koppen: det som "
                         "gör oss till ett rosteri och inte en kedja."),
    "Gemenskap": ("#b8476b", 20, "Gäster, grannar och stamkunder i fokus: de som gör "
                  "kaféet till en mötesplats."),
    "Erbjudanden": ("#c47f17", 10, "Nyheter, säsongsblends och kampanjer, sparsamt, så "
                    "att de märks."),
}  # fmt: skip

# name -> (who they are, needs, objections, platforms, language, share %)
PERSONAS: dict[str, tuple[str, str, str, list[str], str, int]] = {
    "Kaffenörden Karin": (
        "35, brygger hemma, följer ursprung och rostdatum.",
        "Veta var bönorna kommer ifrån och hur hon får ut mest av dem hemma.",
        "Tycker att specialkaffe ofta är dyrt och krångligt.",
        ["instagram", "facebook"],
        "sv",
        45,
    ),
    "Fikasugna Filip": (
        "24, kommer för bullarna, delar på TikTok.",
        "Ett trevligt ställe att ses på, något gott och något att visa upp.",
        "Vet inte att vi finns om han inte ser oss i flödet.",
        ["tiktok", "instagram"],
        "sv",
        35,
    ),
    "Kontorsbeställaren Kim": (
        "42, ansvarar för kaffet på ett kontor med 60 anställda.",
        "Pålitliga leveranser och kaffe som kollegorna tycker om.",
        "Rädd att det blir dyrare och mer jobb än storleverantören.",
        ["linkedin"],
        "sv",
        20,
    ),
}

GOALS = [
    ("instagram", "Få lokala kaffedrickare att hitta till kaféet.", "follows", 150.0),
    ("facebook", "Driva besök till webbutiken och evenemangen.", "link_clicks", 300.0),
    ("linkedin", "Hitta kontor som vill ha kaffeabonnemang.", "follows", 40.0),
    ("tiktok", "Nå unga fikasugna i Stockholm.", "views", 20000.0),
]

K, B, G, E = "Kaffekunskap", "Bakom kulisserna", "Gemenskap", "Erbjudanden"
KARIN, FILIP, KIM = "Kaffenörden Karin", "Fikasugna Filip", "Kontorsbeställaren Kim"

# (title, pillar, persona, text)
IDEAS: list[tuple[str, str, str, str]] = [
    (
        "Så brygger du filterkaffe hemma",
        K,
        KARIN,
        "Fem steg till en bättre kopp: malning, vatten, temperatur, tid och kärlek.",
    ),
    (
        "Vad betyder rostdatum?",
        K,
        KARIN,
        "Därför står rostdatumet på varje påse, och när kaffet smakar som bäst.",
    ),
    (
        "Ljus eller mörk rost: vad är skillnaden?",
        K,
        KARIN,
        "Samma böna, två rostningar. Vi jämför syra, sötma och fyllighet.",
    ),
    (
        "Etiopien: kaffets ursprung",
        K,
        KARIN,
        "Följ med till Yirgacheffe, där vår nya böna odlas på 2 000 meters höjd.",
    ),
    (
        "Guide: rätt malning för din bryggare",
        K,
        KARIN,
        "Från espresso till presskanna: så grovt ska det vara.",
    ),
    (
        "Vattnet gör halva jobbet",
        K,
        KARIN,
        "Hårt eller mjukt vatten? Så påverkar det smaken i koppen.",
    ),
    (
        "Kaffe och choklad: en provning",
        K,
        FILIP,
        "Tre kaffesorter, tre chokladbitar. Vilken kombination vinner?",
    ),
    ("Cold brew på 12 timmar", K, FILIP, "Recept på kallbryggt kaffe som du gör kvällen innan."),
    ("Myt: mörkrostat har mest koffein", K, KARIN, "Nej, faktiskt inte. Vi förklarar varför."),
    ("Så förvarar du kaffebönor", K, KARIN, "Burk, frys eller påse? Svaret som förlänger smaken."),
    ("Espresso i tre steg", K, FILIP, "Dos, tampning och tid: grunderna för en god espresso."),
    ("Bönorna från Colombia", K, KARIN, "Möt kooperativet i Huila som odlar vår husblend."),
    (
        "Varför vi rostar i små satser",
        K,
        KIM,
        "Små satser ger jämnare rost och färskare kaffe på kontoret.",
    ),
    (
        "Kaffets tre vågor, kort förklarat",
        K,
        KARIN,
        "Från bryggkaffe till specialkaffe på en minut.",
    ),
    ("Quiz: gissa ursprunget", K, FILIP, "Vi smakar tre koppar blint. Kan du gissa landet?"),
    ("Tips: latte art för nybörjare", K, FILIP, "Hjärtat först, sedan tulpanen. Så här övar du."),
    (
        "Provsmakning av säsongens bönor",
        K,
        KARIN,
        "Vi cuppar fyra nya bönor och berättar vad vi hittar.",
    ),
    (
        "En dag med rostmästaren",
        B,
        KARIN,
        "Klockan sex tänds rosten. Följ Anna genom en hel rostdag.",
    ),
    (
        "Så väljer vi våra gårdar",
        B,
        KIM,
        "Direkthandel, besök och långa relationer: så köper vi kaffe.",
    ),
    (
        "Nya rosten är på plats!",
        B,
        FILIP,
        "Tolv kilo per sats och en hel del nervositet. Välkommen hit!",
    ),
    ("Morgonrutinen i kaféet", B, FILIP, "Bullarna in, maskinen varm, dörren upp 07.00."),
    ("Bagaren bakom kanelbullen", B, FILIP, "Möt Ahmed, som bakar 300 bullar innan soluppgången."),
    ("Vår packning: från rost till påse", B, KIM, "Varje påse vägs, försluts och märks för hand."),
    ("Teamet presenterar sig", B, FILIP, "Vem gör vad bakom disken? Vi presenterar gänget."),
    (
        "Så rengör vi espressomaskinen",
        B,
        KARIN,
        "Varje kväll i 20 minuter. Därför smakar kaffet rent.",
    ),
    (
        "Provrostning: en ny blend tar form",
        B,
        KARIN,
        "Fem försök, tre provsmakningar och en vinnare.",
    ),
    (
        "Leveransdag till kontoren",
        B,
        KIM,
        "Följ med på rundan när vi kör kaffe till våra kontorskunder.",
    ),
    ("Vi minskar vårt svinn", B, KIM, "Kaffesump blir kompost och gamla bullar blir brödpudding."),
    ("Säckarna har landat", B, KARIN, "Tjugo säckar nya bönor från Kenya står i lagret."),
    ("Veckans stamkund", G, FILIP, "Hon har druckit en cortado här varje morgon i fem år."),
    (
        "Grannarna på Södermalm",
        G,
        FILIP,
        "Blomsterhandeln, cykelverkstaden och vi: kvarterets hjältar.",
    ),
    ("Fikastund med läsarna", G, FILIP, "Visa din bästa fikabild, så delar vi de finaste."),
    (
        "Kaffeprovning för nybörjare i kaféet",
        G,
        KARIN,
        "Torsdag kl 18: vi provar fyra kaffen tillsammans.",
    ),
    (
        "Tack för 5 000 följare!",
        G,
        FILIP,
        "Ni är bäst. Bjuder på en bulle till alla som säger ”tack”.",
    ),
    (
        "Gästens favorit: havrelatte",
        G,
        FILIP,
        "Vi frågade er vad ni beställer mest. Svaret förvånade.",
    ),
    ("Kaféet som mötesplats", G, KIM, "Frukostmöten, jobbluncher och fika: boka vårt bakre rum."),
    (
        "Frågestund: fråga rostmästaren",
        G,
        KARIN,
        "Skicka dina frågor om kaffe, så svarar Anna på fredag.",
    ),
    ("Barista för en dag", G, FILIP, "Vinn en förmiddag bakom disken med vårt team."),
    (
        "Kontoret som bytte kaffe",
        G,
        KIM,
        "Hur ett reklambyrå på 40 personer bytte till färskrostat.",
    ),
    ("Kvarterets loppis", G, FILIP, "Vi bjuder på kaffe när kvarteret har loppis på lördag."),
    ("Era bästa bryggtips", G, KARIN, "Ni delade, vi testade. Här är favoriterna."),
    (
        "Höstblenden är här",
        E,
        KARIN,
        "Mörk, söt och med toner av kanel. Finns i butiken från fredag.",
    ),
    (
        "Kaffeabonnemang för kontor",
        E,
        KIM,
        "Färskt kaffe varje vecka, utan bindningstid. Prova en månad.",
    ),
    (
        "Bulle + kaffe: 45 kr hela veckan",
        E,
        FILIP,
        "Veckans fika-erbjudande gäller måndag till fredag.",
    ),
    (
        "Presentkort till jul",
        E,
        KARIN,
        "Ge bort en kaffeupplevelse: provning, påsar eller abonnemang.",
    ),
    ("Ny i butiken: bryggkit", E, KARIN, "Allt du behöver för att börja brygga hemma, i en låda."),
    (
        "Julblend i begränsad upplaga",
        E,
        FILIP,
        "300 påsar, rostade en gång. När de är slut är de slut.",
    ),
    (
        "Skolungdomsrabatt på eftermiddagar",
        E,
        FILIP,
        "Visa skolkortet efter 15 och få 20 % på fika.",
    ),
    (
        "Kaffekurs i januari",
        K,
        KARIN,
        "Tre kvällar om bryggning, provning och espresso. Anmälan öppen.",
    ),
    (
        "Varför vi betalar mer för kaffet",
        B,
        KIM,
        "Vad ett rättvist pris betyder för odlarna, i siffror.",
    ),
    (
        "Sommarens iskaffe, redan nu?",
        K,
        FILIP,
        "Vi testar iskaffe mitt i vintern. Galet eller genialt?",
    ),
    (
        "Tre sätt att använda kaffesump",
        G,
        KARIN,
        "Gödsel, doftpåse och skrubb: sumpen är för bra att slänga.",
    ),
]


def seed_strategy(workspace: Workspace, owner: Any) -> None:
    """Pillar shares, personas, goals, the default frequency and the ideas backlog."""
    for name, (color, share, purpose) in PILLARS.items():
        row, _created = Pillar.objects.get_or_create(
            workspace=workspace, name=name, defaults={"color": color}
        )
        if row.target_share is None and not row.purpose:
            row.target_share, row.purpose = share, purpose
            row.save(update_fields=["target_share", "purpose"])
    for name, (who, needs, objections, platforms, language, share) in PERSONAS.items():
        found, _created = Persona.objects.get_or_create(
            workspace=workspace, name=name, defaults={"description": who}
        )
        if not found.needs and found.target_share is None:
            found.needs, found.objections = needs, objections
            found.platforms, found.language, found.target_share = platforms, language, share
            found.save()
    if not PlatformGoal.objects.filter(workspace=workspace).exists():
        PlatformGoal.objects.bulk_create(
            PlatformGoal(workspace=workspace, platform=p, goal=g, metric=m, target=t)
            for p, g, m, t in GOALS
        )
    ensure_template(workspace)
    membership = Membership.objects.get(workspace=workspace, user=owner)
    pillars = {p.name: p.pk for p in Pillar.objects.filter(workspace=workspace)}
    personas = {p.name: p.pk for p in Persona.objects.filter(workspace=workspace)}
    have = set(Post.objects.filter(workspace=workspace).values_list("title", flat=True))
    for title, pillar, persona, text in IDEAS:
        if title in have:
            continue
        actions.do_create_post(
            membership,
            fields={
                "title": title,
                "text": text,
                "pillar": pillars[pillar],
                "persona": personas[persona],
            },
            status="idea",
        )
