"""The profile's layout in Redis and the scripts that read, write and merge it.

One hash per visitor, ``<prefix>:{<vid>}:p2`` (layout 2), small enough for Redis to keep as a
listpack (every field and value under 64 bytes, in the common case). Field names:

- capitals, the plain fields: ``V`` page views, ``N`` visits, ``F``/``L`` first and last seen,
  ``VS`` start of this visit (absent during the first visit: it is ``F``), ``AD`` days away
  before it, ``G`` stage (1 awareness ... 5 loyalty), ``P`` purchases, ``PA`` last purchase,
  ``CA`` last cart change, ``SG`` segments, ``WX`` set once the viewed items let one go
  (recommend/coview.py: no more counted views), ``HO`` once pages went uncounted in ``V`` (bits:
  1 the browsing history off, 2 while personalising nothing); and ``revoked``, the deny marker;
- a lowercase letter and a name, one field per entry: ``f`` first-visit facts, ``e`` event
  counts, ``b`` items bought, ``x`` anonymous ids merged in (when, then what the merge joined:
  engine/joined.py), ``a`` attributes (JSON),
  ``i`` interests (``"<score> <when>"``, the score to 3 decimals), ``c`` cart quantities,
  ``w`` items viewed (when, then ``?`` while the item is not counted for popularity yet:
  recommend/coview.py; a value without it, as all were before the mark, is counted),
  ``k`` frequency caps (``"<period>:<count>"``), ``m`` the measurement record, ``s`` rules
  shown (``"<count>"``, or ``"<count> <when> <reasons>"``: those said the last time, in the
  value itself when they are few and short enough, each after a ``\\x1f``, else as
  ``<n>.<n>...``, the numbers of the fields below);
- a number: one of those reasons (store/why.py), each kept once per profile.

A value over 64 bytes (a long reason, referrer, UTM value or attribute) is kept in pieces, and
a field name over 64 bytes (a long item id or topic) under a hash of it (store/pieces.py), so
that no field turns the hash into Redis's larger encoding.

Times are whole seconds, and all but ``F`` count from ``F`` (short numbers; a merge that
moves ``F`` back moves them with it). ``N``, an interest's time and a shown rule's may be left
out (``OMOTENASHI_REDIS_COMPACT``: store/forms.py, read always). A visitor's recommendation
pairs are no longer kept (store/seeds.py): an ``also`` sorted set an earlier release wrote is
read (the data page, the export) and erased, never renewed: it lapses at the expiry that release
last gave it (its workers, in a rolling deploy, may still renew it until they are gone).
"""

from __future__ import annotations

from omotenashi.store import forms, merging, privacy, stagemoves

RANKS = "{awareness=1, interest=2, consideration=3, purchase=4, loyalty=5}"

# After the guard: how shown rules and their reasons are kept, and moving times with ``F``.
HELPERS = """
local function num(x)  -- an interest's score: to 3 decimals, no trailing zeros ("2", "1.934")
  if x >= 1e6 then return string.format('%.6g', x) end
  local s = string.format('%.3f', math.floor(x * 1e3 + 0.5) / 1e3)
  return (string.gsub(string.gsub(s, '0+$', ''), '%.$', ''))
end
local function shown_parts(v)  -- 's' value: "count" or "count at n.n.n" (numbered sentences)
  if v == nil then return 0, nil end
  local n, rest = string.match(v, '^(%d+) (.*)$')
  if n == nil then return tonumber(v) or 0, nil end
  return tonumber(n), rest
end
local numbered = nil  -- the numbered sentences' numbers by text
local function sentence(text)  -- its number in the profile, added when new
  if numbered == nil then
    numbered = {}
    for _, fv in ipairs(fields('#')) do numbered[fv[2]] = fv[1] end
  end
  local known = numbered[text]
  if known ~= nil and have[known] == text then return known end
  local free = 0
  while have[tostring(free)] ~= nil do free = free + 1 end
  put(tostring(free), text)
  numbered[text] = tostring(free)
  return tostring(free)
end
local function set_why(id, at, said)  -- few and short: in the value itself, else numbered
  local n = shown_parts(have['s' .. id])
  local kept = {}
  for i = 1, math.min(#said, MAX_REASONS) do  -- the engine keeps them short: longer is refused
    if #said[i] <= MAX_REASON_BYTES then kept[#kept + 1] = said[i] end
  end
  local head = n .. ' ' .. math.floor(at) .. ' '
  local inline = '\\31' .. table.concat(kept, '\\31')
  if #kept > 0 and #head + #inline <= 64 then return put('s' .. id, head .. inline) end
  local refs = {}
  for _, text in ipairs(kept) do refs[#refs + 1] = sentence(text) end
  put('s' .. id, head .. table.concat(refs, '.'))
end
local function drop_unsaid()  -- numbered sentences no shown rule refers to any more
  local said = {}
  for _, fv in ipairs(fields('s')) do
    local _, rest = shown_parts(fv[2])
    local _, refs = why_parts(rest or '')
    if string.sub(refs, 1, 1) ~= '\\31' then
      for ref in string.gmatch(refs, '%d+') do said[ref] = true end
    end
  end
  for _, fv in ipairs(fields('#')) do if not said[fv[1]] then del(fv[1]) end end
end
local function before(x, y)  -- byte order, whatever the server's locale (Lua's < is strcoll's)
  for i = 1, math.min(#x, #y) do
    local a, b = string.byte(x, i), string.byte(y, i)
    if a ~= b then return a < b end
  end
  return #x < #y
end
-- Room for interest t, coming with `score` (a page's topic: math.huge, always): when the
-- profile holds MAX_TOPICS, the weakest (decayed to the whole second `now`, as the engine's
-- change.apply decays them; a tie: the first name in byte order) goes if weaker, never one
-- of `kept` (the page's own topics, taken before it).
local function topic_room(t, score, now, half_life, base, kept)
  if have['i' .. t] ~= nil or (count['i'] or 0) < MAX_TOPICS then return true end
  local least, weakest = nil, math.huge
  for _, fv in ipairs(fields('i')) do
    local old, at = interest(fv[2])
    local age = math.max(0, now - (base + (tonumber(at) or 0)))
    local s = (tonumber(old) or 0) * math.pow(0.5, age / half_life)
    if not kept[fv[1]] and (s < weakest or (s == weakest and before(fv[1], least))) then
      least, weakest = fv[1], s
    end
  end
  if least == nil or weakest >= score then return false end
  del(least)
  return true
end
local function wtime(v) return tonumber(string.match(v or '', '^%-?[%d.]+') or '') end
local function wmark(v) return string.find(v or '', '?', 1, true) and '?' or '' end
local function rebase(by)  -- 'F' moved back by seconds: the times counted from it follow
  for _, fv in ipairs(fields('i')) do
    local score, at = interest(fv[2])
    if tonumber(at) then put(fv[1], score .. ' ' .. (tonumber(at) + by)) end
  end
  for _, fv in ipairs(fields('s')) do
    local n, rest = string.match(fv[2], '^(%d+) (.*)$')
    local at, refs = why_parts(rest or '')
    at = tonumber(at or L0)  -- (a time left out: L's, which moves too)
    if n and at then put(fv[1], n .. ' ' .. (at + by) .. ' ' .. refs) end
  end
  for _, fv in ipairs(fields('w')) do put(fv[1], ((wtime(fv[2]) or 0) + by) .. wmark(fv[2])) end
  for _, fv in ipairs(fields('b')) do put(fv[1], (tonumber(fv[2]) or 0) + by) end
  for _, fv in ipairs(fields('x')) do  -- "<when>", maybe " <marks>" after it: they stay
    put(fv[1], ((wtime(fv[2]) or 0) + by) .. (string.match(fv[2], ' %a+$') or ''))
  end
  for _, f in ipairs({'L', 'VS', 'CA', 'PA'}) do
    if tonumber(have[f]) then put(f, tonumber(have[f]) + by) end
  end
end
"""
OPENING = privacy.GUARD + forms.LUA + HELPERS  # how the record and merge scripts open

# KEYS: the profile hash, the also set, the first layout's profile key, then any measurement
# day keys. ARGV[1]: the change as JSON; ARGV[2...]: the counters (store/stats.py). Mirrors
# change.apply(): interests decay on write, the stage only moves forward unless a decay rule
# moved it back, and the idle expiry is renewed.
RECORD_SCRIPT = (
    OPENING
    + """
local c = cjson.decode(ARGV[1])
-- made from a profile that has gone since (erased after this request read it): not rebuilt,
-- nor added to a profile started after the erase (its first visit is another one)
if (c.since or 0) > 0 and tonumber(have['F']) ~= math.floor(c.since) then return 0 end
open_forms()  -- the compact forms (store/forms.py): read, then written as c.compact says
local now = math.floor(c.now)
local rank = """
    + RANKS
    + """
-- a new visit read before another worker's write of this one landed (upgrade55): it goes on
local F0 = tonumber(have['F'])
local stale = c.new_visit and (tonumber(c.gap) or 0) > 0 and F0 ~= nil
  and (tonumber(have['N'] or '') or 0) >= 1
  and now - (F0 + (tonumber(have['L'] or '') or 0)) <= tonumber(c.gap)
local going = stale and 'v' .. (F0 + (tonumber(have['VS'] or '') or 0))  -- its caps' period
for id, entry in pairs(c.caps) do  -- [period, new count, added]: what other pages of theirs
  local n = tonumber(entry[2]) or 0  -- shown at once counted since the read is added to
  local key = tostring(entry[1])
  if going and string.sub(key, 1, 1) == 'v' then key = going end
  local period, had = string.match(have['k' .. id] or '', '^(.*):(%d+)$')
  if entry[3] and period == key then
    n = math.max(n, tonumber(had) + (tonumber(entry[3]) or 0))
  end
  put('k' .. id, key .. ':' .. n)
end
if c.view then incr('V', 1) elseif c.unrecorded then uncounted(c.unrecorded) end  -- (not in V)
local started = have['F'] ~= nil
putnx('F', now)
local base = tonumber(have['F']) or 0  -- the other times count from the first visit
if c.new_visit and not stale then
  incr('N', 1)
  if started then put('VS', now - base) end  -- the first visit starts at 'F'
  if c.absent_days ~= cjson.null then put('AD', c.absent_days) end
end
put('L', math.max(now - base, tonumber(have['L']) or -math.huge))  -- never back (skewed clocks)
for k, v in pairs(c.first) do putnx('f' .. k, v) end
site_only('freferrer')  -- a referrer kept whole before 920d814: its site alone
local taken = {}  -- the page's topics: none makes room for another of them
for _, t in ipairs(c.topics) do if have['i' .. t] ~= nil then taken['i' .. t] = true end end
for _, t in ipairs(c.topics) do if topic_room(t, math.huge, now, c.half_life, base, taken) then
  taken['i' .. t] = true
  local score, at = interest(have['i' .. t])
  local age = math.max(0, c.now - (tonumber(at) and base + tonumber(at) or c.now))
  local decayed = (tonumber(score) or 0) * math.pow(0.5, age / c.half_life)
  put('i' .. t, num(decayed + 1) .. ' ' .. (now - base))
end end
-- c.learn, "<p|c|pc>:<item>": a catalogue item whose view may teach recommendations
-- (recommend/coview.py) popularity (p: not counted yet: new, or marked '?') and co-views (c:
-- its first view), answered and decided here, where one visitor's concurrent views meet
local learn, pop_ok, co_ok, learned = c.learn ~= nil and c.learn ~= '', 0, 0, nil
if learn then
  local parts, item = string.match(c.learn, '^(%l*):(.+)$')
  local had, open = have['w' .. (item or '')], have['WX'] == nil
  local fresh = had == nil or wmark(had) == '?'
  if open and item and string.find(parts, 'p', 1, true) and fresh then pop_ok = 1 end
  if open and item and string.find(parts, 'c', 1, true) and had == nil then co_ok = 1 end
  learned = item
end
for _, item in ipairs(c.items) do
  local had = have['w' .. item]
  local mark = (had == nil or wmark(had) == '?') and '?' or ''  -- counted: never again
  if item == learned and pop_ok == 1 then mark = '' end
  put('w' .. item, (now - base) .. mark)
end
if keep_newest('w', VIEWED_KEEP) > 0 then put('WX', 1) end
for _, id in ipairs(c.shown) do
  local n, rest = shown_parts(have['s' .. id])
  put('s' .. id, rest and (n + 1) .. ' ' .. rest or n + 1)
end
local said = false
for id, why in pairs(c.shown_why or {}) do set_why(id, why[1] - base, why[2]); said = true end
if said then drop_unsaid() end
for name, n in pairs(c.events) do if room('e' .. name, MAX_EVENTS) then incr('e' .. name, n) end end
if c.cart_clear then for _, fv in ipairs(fields('c')) do del(fv[1]) end end
for _, item in ipairs(c.cart_remove) do del('c' .. item) end
for item, less in pairs(c.cart_less or {}) do  -- (a release before sends none)
  local left = (tonumber(have['c' .. item]) or 0) - less
  if left > 0 then put('c' .. item, left) else del('c' .. item) end
end
for item, qty in pairs(c.cart_add) do
  if room('c' .. item, MAX_CART) then incr('c' .. item, qty) end
end
if next(c.cart_add) or #c.cart_remove > 0 or next(c.cart_less or {}) then
  put('CA', now - base)
end
if c.purchases > 0 then
  incr('P', c.purchases)
  put('PA', now - base)
end
for k, v in pairs(c.attrs) do
  if room('a' .. k, MAX_ATTRS) then put('a' .. k, cjson.encode(v)) end
end
for _, item in ipairs(c.bought or {}) do put('b' .. item, now - base) end
keep_newest('b', MAX_BOUGHT)  -- the latest purchases (a full list let the newest go)
"""
    + stagemoves.RECORD_STAGE
    + """
local set = {}  -- measurement fields this call set: only theirs are counted (store/stats.py)
for k, v in pairs(c.measure) do
  if have['m' .. k] == nil then put('m' .. k, v); set[#set + 1] = k end
end
settle(c.compact)
local ttl = ttl_for(c)  -- a day until the second visit, or the attribution window (privacy.py)
redis.call('EXPIRE', H, ttl)  -- (not KEYS[2], an earlier release's also key: it lapses)
if ARGV[2] == nil then
  if learn then return {pop_ok, co_ok, {}} end
  return 1
end
-- ARGV[2]: each field's counter, [key number, counter, amount, phase tag (optional)]; key 0
-- is in another slot (Cluster): the field is answered, for the caller to count. ARGV[n - 1]:
-- KEYS[n]'s expiry.
local counters, touched, elsewhere = cjson.decode(ARGV[2]), {}, {}
local book = counters['#']  -- the ledger: what each day's hash was given (store/stats.py)
for _, k in ipairs(set) do
  local s = counters[k]
  if s ~= nil and s[1] > 0 then
    redis.call('HINCRBY', KEYS[s[1]], s[2], s[3])
    if s[4] ~= nil then redis.call('HINCRBY', KEYS[s[1]], s[4], s[3]) end
    if book then redis.call('HINCRBY', KEYS[book[1]], string.sub(KEYS[s[1]], -10), s[3]) end
    touched[s[1]] = true
  elseif s ~= nil then
    elsewhere[#elsewhere + 1] = k
  end
end
if book and next(touched) then touched[book[1]] = true end
for n in pairs(touched) do redis.call('EXPIREAT', KEYS[n], ARGV[n - 1]) end
if learn then return {pop_ok, co_ok, elsewhere} end
if #elsewhere > 0 then return elsewhere end
return 1
"""
)

# KEYS: as the record script's. Every part in one reply; a deny marker of the first layout
# reads as one of this layout.
LOAD_PLAIN = """
return {redis.call('HGETALL', KEYS[1]), redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES'),
  redis.call('HGET', KEYS[3], 'revoked')}
"""
#: The load script declared read-only (Redis >= 7, Valkey): it runs while writes are paused
#: (``CLIENT PAUSE ... WRITE``, as a failover does). A server that refuses the first line
#: (Redis 6) is given :data:`LOAD_PLAIN`, found out once (store/pipeline.py, store/store.py).
LOAD_SCRIPT = "#!lua flags=no-writes\n" + LOAD_PLAIN.lstrip("\n")

# KEYS: the user's, as the record script's, then their beacon counter. ARGV[1]: the anonymous
# profile as JSON (absolute times; store/merging.py), ARGV[2]: its id, ARGV[3], ARGV[4]: its
# beacon count and life (merging.RATE_CARRY). Counts add up, interests merge (decayed to now),
# the stage is the further one, first-touch facts, attributes and reasons keep the user's own
# when both have one. Each frequency cap keeps the stricter state: in the same period the larger
# count; of two periods of one kind (two days, weeks or visits) the later, the one that counts;
# else (the rule's cap changed) the user's own. Items bought join the user's (the latest MAX_BOUGHT,
# as a record keeps them). No recommendation pairs: the user's are worked out from the viewed
# items (store/seeds.py); the user's ``also`` key of an earlier release is not renewed: it
# lapses at the expiry that release last gave it. Runs once per anonymous id.
MERGE_SCRIPT = (
    OPENING
    + merging.RATE_CARRY
    + """
local a = cjson.decode(ARGV[1])
local now = math.floor(a.now)
local rank = """
    + RANKS
    + """
if have['x' .. ARGV[2]] ~= nil then return 0 end
open_forms()  -- the compact forms (store/forms.py): read, then written as a.compact says
"""
    + merging.SAME_VISIT
    + """
for f, short in pairs({views = 'V', visits = 'N', purchases = 'P'}) do
  if a[f] ~= cjson.null and a[f] > 0 then incr(short, a[f]) end
end
for name, n in pairs(a.events) do if room('e' .. name, MAX_EVENTS) then incr('e' .. name, n) end end
local base
local function keep(field, value, better)  -- value: absolute; 'F' kept absolute, others from it
  if value == cjson.null then return end
  value = math.floor(value) - (field == 'F' and 0 or base)
  local old = tonumber(have[field] or '')
  if old == nil or better(value, old) then put(field, value) end
end
local function lower(x, y) return x < y end
local function higher(x, y) return x > y end
if have['VS'] == nil and tonumber(have['N'] or '0') >= 1 then put('VS', 0) end  -- it was 'F'
base = tonumber(have['F'])
keep('F', a.first_seen ~= cjson.null and a.first_seen or a.now, lower)  -- (none: signed in first)
if base ~= nil and tonumber(have['F']) < base then rebase(base - tonumber(have['F'])) end
base = tonumber(have['F']) or 0  -- the other times count from the first visit
-- when, then what it joined and left out (engine/joined.py: letters): the data page says them
local marks = type(a.joined) == 'string' and string.gsub(a.joined, '[^%a]', '') or ''
put('x' .. ARGV[2], (now - base) .. (marks ~= '' and ' ' .. marks or ''))
keep_newest('x', MAX_MERGED)
keep('L', a.last_seen, higher)
keep('CA', a.cart_at, higher)
keep('PA', a.purchase_at, higher)
if not same then keep('VS', a.visit_start, higher) end  -- the visit goes on: caps hold
"""
    + stagemoves.MERGE_STAGE
    + """
for k, v in pairs(a.first_touch) do putnx('f' .. k, v) end
for k, v in pairs(a.attrs) do
  if have['a' .. k] == nil and room('a' .. k, MAX_ATTRS) then put('a' .. k, cjson.encode(v)) end
end
for topic, score in pairs(a.interests) do
  if topic_room(topic, score, now, a.half_life, base, {}) then
    local old, at = interest(have['i' .. topic])
    local age = math.max(0, a.now - (tonumber(at) and base + tonumber(at) or a.now))
    local mine = (tonumber(old) or 0) * math.pow(0.5, age / a.half_life)
    put('i' .. topic, num(mine + score) .. ' ' .. (now - base))
  end
end
for id, n in pairs(a.shown) do
  local had, rest = shown_parts(have['s' .. id])
  put('s' .. id, rest and (had + n) .. ' ' .. rest or had + n)
end
local said = false
for id, w in pairs(a.shown_why or {}) do
  local _, rest = shown_parts(have['s' .. id])
  if rest == nil then set_why(id, w.at - base, w.because); said = true end
end
if said then drop_unsaid() end
for item, qty in pairs(a.cart) do if room('c' .. item, MAX_CART) then incr('c' .. item, qty) end end
for item, at in pairs(a.viewed) do  -- the later time; counted if either side counted it
  local rel, mine = math.floor(at) - base, have['w' .. item]
  local open = (mine == nil or wmark(mine) == '?') and (a.uncounted or {})[item]
  put('w' .. item, math.max(rel, wtime(mine) or -math.huge) .. (open and '?' or ''))
end
if keep_newest('w', VIEWED_KEEP) > 0 or a.viewed_full then put('WX', 1) end
if a.unrecorded then uncounted(a.unrecorded) end
if a.segments ~= '' then
  local had = have['SG'] or ''
  put('SG', had == '' and a.segments or had .. ',' .. a.segments)
end
local theirs = {}  -- rules the user was exposed to: the browser's marks of them stay out (its
for k in pairs(a.measure) do  -- conversion flag kept the user's later ones uncounted: measure62)
  local r = string.match(k, '^r|(.+)$'); if r and have['mr|' .. r] then theirs[r] = true end end
for k, v in pairs(a.measure) do
  local r = string.match(k, '^%a|([^|]+)'); if not (r and theirs[r]) then putnx('m' .. k, v) end
end
"""
    + merging.CAPS
    + """
for _, item in ipairs(a.bought or {}) do  -- each item's own last purchase; the later one wins
  local at = (a.bought_at or {})[item] or a.purchase_at  -- (an old caller's: one for all)
  if at == cjson.null then at = a.now end
  keep('b' .. item, at, higher)
end
keep_newest('b', MAX_BOUGHT)
settle(a.compact)
redis.call('EXPIRE', H, a.ttl)
return 1
"""
)
