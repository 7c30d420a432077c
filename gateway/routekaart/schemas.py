"""The routekaart as the API shows and takes it: for each signal, which kind of partner to contact."""


from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.core.vocabulary import OrgType, PlainText


class RouteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signal: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$",
                        description="Stable code, e.g. `zorgwekkend-ziekteverzuim`")
    label: PlainText = Field(min_length=3, max_length=120, description="The signal in plain Dutch")
    partner_type: OrgType
    advice: PlainText = Field(min_length=3, max_length=400, description="What to do, in plain Dutch")


class Routekaart(BaseModel):
    region: str
    version: int = Field(description="Also the ETag; send it back in If-Match to change the routekaart")
    entries: list[RouteEntry]


class RoutekaartUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[RouteEntry] = Field(max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> "RoutekaartUpdate":
        if len({e.signal for e in self.entries}) != len(self.entries):
            raise ValueError("each signal once")
        return self


# The Utrecht regions' paper routekaart (school, leerplicht, GGD, buurtteam), as a starting point.
DEFAULT_ENTRIES = [
    RouteEntry(signal="zorgwekkend-ziekteverzuim", label="Zorgwekkend ziekteverzuim", partner_type=OrgType.ggd,
               advice="Meld de leerling bij de jeugdarts van de GGD (M@ZL); die onderzoekt en adviseert."),
    RouteEntry(signal="ongeoorloofd-verzuim", label="Ongeoorloofd verzuim (16 uur in 4 weken)",
               partner_type=OrgType.leerplicht,
               advice="Meld het verzuim bij DUO en neem contact op met de leerplichtambtenaar."),
    RouteEntry(signal="dreigend-thuiszitten", label="Dreigend thuiszitten", partner_type=OrgType.leerplicht,
               advice="Meld meteen bij leerplicht en het samenwerkingsverband; wacht niet op vier weken."),
    RouteEntry(signal="leerstagnatie", label="Leerstagnatie of extra ondersteuning nodig", partner_type=OrgType.swv,
               advice="Vraag de consulent van het samenwerkingsverband mee te denken over een passend aanbod."),
    RouteEntry(signal="opvoed-en-gezinsvragen", label="Zorgen over opvoeding of gezin",
               partner_type=OrgType.jeugdteam,
               advice="Neem contact op met het buurtteam; de gezinswerker ondersteunt ouders en kind."),
    RouteEntry(signal="signalen-onveiligheid", label="Signalen van onveiligheid", partner_type=OrgType.save,
               advice="Volg de meldcode; overleg met Veilig Thuis en bij een lopende maatregel met SAVE."),
]
