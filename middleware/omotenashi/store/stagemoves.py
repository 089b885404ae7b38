"""The journey's stage in the record and merge scripts (store/scripts.py), with the moves the
next request judges again (journey58).

A request judges its stage move on the profile it read: a move back (decay) is made only from
the stage it was judged from and on the counts it was judged on, so a booking another tab wrote
since stands (one judged back and forward again, to the stage it read, is written as a move
forward: journey65); a move forward on
an event (``on: purchase`` when ``purchases: at_least 2``) judged on counts (the bookings, and
every event the journey moves on) that another request's write moved meanwhile (two tabs
booking at once) joins the names of its events and of those whose counts moved (that write's
judgement missed this one's as much) to ``R``, and the next request judges the moves of
those events again, from the stage they were judged from and on the counts as they are, before
any decay of its own (engine/understand.py), then clears it: ``R`` is there only between those
two requests (a sign-in judges the anonymous profile's first, on its own counts). Not judged
again: a ``when:`` on the count of an event no move is ``on:``, and a sign-in's sums (below).
"""

from __future__ import annotations

#: After the record script's counts: ``c`` the change (engine/change.py ``payload``), ``have``
#: the hash as written so far, ``rank`` the stages' ranks.
RECORD_STAGE = """
if c.rejudged ~= nil and have['R'] == c.rejudged then del('R') end  -- judged again: done
local moved = {}  -- the counts it judged on, as its write leaves them, that another moved
for f, n in pairs(c.counted or {}) do
  if have[f] ~= nil and tonumber(have[f]) ~= n then
    moved[#moved + 1] = f == 'P' and 'purchase' or string.sub(f, 2)
  end
end
if #moved > 0 then  -- its events and those moved, joined to R's (either side judged stale)
  local seen, names = {}, {}
  local all = (have['R'] or '') .. ',' .. c.judged .. ',' .. table.concat(moved, ',')
  for name in string.gmatch(all, '[^,]+') do
    if not seen[name] then seen[name] = true; names[#names + 1] = name end
  end
  table.sort(names)
  put('R', table.concat(names, ','))
end
if c.stage ~= '' then  -- back only from the stage it was judged from; forward only
  local current = tonumber(have['G'] or '1') or 1
  local back = c.stage_back and #moved == 0 and (c.stage_was == nil or rank[c.stage_was] == current)
  if back or rank[c.stage] > current then put('G', rank[c.stage]) end
end
"""

#: In the merge script: ``a`` the anonymous profile (store/merging.py): the further stage (its
#: moves still to judge again judged there first, on its own counts: journey65).
#: (A sign-in that adds two profiles' bookings up to a second is not judged again: the
#: anonymous profile's events may be older than a decay that moved it back since.)
MERGE_STAGE = """
if (rank[a.stage] or 1) > (tonumber(have['G'] or '1') or 1) then put('G', rank[a.stage]) end
"""
