"""The profile's compact forms (``OMOTENASHI_REDIS_COMPACT``): three values left out when they
can be told from the rest: 16-32 B of the bench's median profile after a returning visitor's
first pages (520-528 B, 488-504 B compact: issue 15, goal 8).

- ``N`` (visits) is left out when it is 1 and ``V`` (views) is at least 1: a profile with views
  has had a visit (a page view starts the first one), so a missing ``N`` beside ``V`` >= 1 is 1;
  beside no views it is 0, as ever (a visitor seen only through events so far). This release
  writes a 0 beside views as ``"0"`` (no page does that: a change made up, a seeded profile);
- an interest's time is left out when it is ``F``'s (0: the first page's topics): ``"<score>"``;
- a shown rule's time is left out when it is ``L``'s: ``"<count> <reasons>"``, the reasons
  starting with ``\\x1f`` (in the value) or ``.`` (numbered: ``.<n>.<n>``, ``.`` when none);
  a time is always followed by a space, so a value with none after its count has no time.

Every reader of this release reads both forms (the scripts through :data:`LUA`, Python through
store/replies.py); the writers write the compact ones only with the setting on, and with it off
write a profile they touch back whole in the full forms, which the release before reads (it
misreads the compact ones: the README's *Rolling deploys and rollbacks*). store/seed.py writes
the full forms (:func:`written_out`).
A shown rule's time kept as ``L``'s must be written out before ``L`` moves: :data:`LUA`'s
``settle``, at the end of every writing script, does that from ``L0``, ``L`` when it began.
"""

from __future__ import annotations

from collections.abc import Mapping

# In the record and merge scripts, after the guard (put, del, fields) and before HELPERS.
LUA = r"""
local L0 = nil  -- 'L' as the script found it: the time a shown rule kept without one has
local function interest(v)  -- an 'i' value's score and time ("<score>" alone: 0, F's)
  if v == nil then return nil, nil end
  local score, at = string.match(v, '^(%S+) (%S+)$')
  if score then return score, at end
  return v, '0'
end
local function why_parts(rest)  -- after an 's' value's count: its time (nil: L's), reasons
  local first = string.sub(rest, 1, 1)
  if first == '\31' then return nil, rest end
  if not string.find(rest, ' ', 1, true) then return nil, (string.gsub(rest, '^%.', '')) end
  return string.match(rest, '^(%S*) ?(.*)$')
end
local function open_forms()  -- before any write: 'N' of 1 left out is written back
  L0 = have['L']
  if have['N'] == nil and (tonumber(have['V'] or '') or 0) >= 1 then put('N', 1) end
end
local function settle(compact)  -- after the writes: the compact forms or the full ones
  local last = tonumber(have['L'] or '')
  local viewed = (tonumber(have['V'] or '') or 0) >= 1
  if compact and have['N'] == '1' and viewed then
    del('N')
  elseif have['N'] == nil and viewed then  -- views and no visit (no page does that): written
    put('N', 0)
  end
  for _, fv in ipairs(fields('i')) do  -- compact: those written here (the rest are as kept)
    if not compact or changed[fv[1]] then
      local score, at = interest(fv[2])
      local want = (compact and tonumber(at) == 0) and score or score .. ' ' .. at
      if want ~= fv[2] then put(fv[1], want) end
    end
  end
  for _, fv in ipairs(fields('s')) do
    local n, rest = string.match(fv[2], '^(%d+) (.*)$')
    if n then
      local at, refs = why_parts(rest)
      at = at or L0 or '0'
      local want = n .. ' ' .. at .. ' ' .. refs
      if compact and last ~= nil and tonumber(at) == last then
        want = n .. ' ' .. (string.sub(refs, 1, 1) == '\31' and refs or '.' .. refs)
      end
      if want ~= fv[2] then put(fv[1], want) end
    end
  end
end
"""


def written_out(fields: Mapping[str, str]) -> dict[str, str]:
    """The fields of a profile (pieces joined: store/pieces.py) kept in a compact form, in
    their full form: for a writer that moves ``L`` without the scripts (store/seed.py)."""
    out: dict[str, str] = {}
    if "N" not in fields and fields.get("V", "").isdigit() and int(fields["V"]) >= 1:
        out["N"] = "1"
    last = fields.get("L", "0")
    for name, value in fields.items():
        if name[:1] == "i" and " " not in value:
            out[name] = f"{value} 0"
        elif name[:1] == "s":
            count, _, rest = value.partition(" ")
            if rest[:1] == "\x1f" or (rest and " " not in rest):
                out[name] = f"{count} {last} {rest.removeprefix('.')}"
    return out
