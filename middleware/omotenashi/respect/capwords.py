"""What the data page says of the frequency counts a profile keeps (``Profile.caps``: a
rule's, an intent's per period, the greeting by name's: engine/restraint.py)."""

from __future__ import annotations

from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import NAME_CAP


def caps_lines(profile: Profile) -> list[str]:
    """What the frequency counts count, in plain words: blocks one by one, blocks on one subject
    together (an intent's: restraint.py ``intent_cap``), greetings by name; the time each
    covers; and how many there are (each is in the download)."""
    blocks = sum(not name.startswith("~") for name in profile.caps)
    which = "one block was" if blocks == 1 else f"each of {blocks} blocks was"
    said = [f"how often {which} shown to you"] * (blocks > 0)
    # ("~intent:<intent>:<per>": a count per subject and time it covers)
    subjects = len({n[8:].rpartition(":")[0] for n in profile.caps if n.startswith("~intent:")})
    if subjects:
        each = "one subject" if subjects == 1 else f"each of {subjects} subjects"
        said.append(f"how often blocks on {each} were shown to you in all")
    if NAME_CAP in profile.caps:
        said.append("how often we greeted you by name")
    said = said or ["how often blocks were shown to you"]  # (an entry of no kind known here)
    listed = (
        f"{', '.join(said[:-1])}{',' * (len(said) > 2)} and {said[-1]}" if said[1:] else said[0]
    )
    n = len(profile.caps)
    if n == 1:
        return [f"We count {listed}. The count covers {_SPANS}, and is in the download."]
    every = "both" if n == 2 else f"all {n}"
    return [f"We count {listed}. Each count covers {_SPANS}; {every} are in the download."]


_SPANS = "one visit, one day, one week or all time, as the site sets it"
