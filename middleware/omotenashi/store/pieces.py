"""Profile fields longer than Redis keeps compact: long values in pieces, long names hashed.

Redis keeps a hash in its compact encoding (a listpack, about a quarter of the memory) only while
every field name and value is at most ``hash-max-listpack-value`` bytes, 64 by default: one
longer (a first-visit referrer, a long UTM value, an attribute, a reason naming a long product
title; an item whose id, the last segment of its page's URL, is long) converts the whole
profile. So:

- a longer value is kept as its first piece under its own field and the rest under
  ``\\x1e<k>:<field>`` (k = 1, 2 ...), each piece at most 64 bytes, cut between UTF-8
  characters;
- a longer name is kept as ``\\x1d<h>`` (h: 16 hex digits of its SHA-1), the name itself under
  ``\\x1c<h>`` (a value: in pieces when long); so is a name over ``PIECE - 8`` bytes whose
  value is in pieces (a piece's name, ``\\x1e<k>:`` and it, would be longer), and it stays so;
- the field ``\\x1e`` counts the fields kept either way, and a reader translates only when it is
  there.

Names in the profile start with a letter or a digit (store/scripts.py), never with one of these.
The scripts write and read them in Lua (:data:`LUA`, opened by store/privacy.py's guard);
Python reads with :func:`joined` and writes with :func:`rewrite`.
"""

from __future__ import annotations

import hashlib

PIECE = 64  # bytes: Redis's default hash-max-listpack-value
MARK = "\x1e"  # the count of fields kept in pieces or by hash; starts every further piece
HASHED, NAME = "\x1d", "\x1c"  # a long name's field, and the field that holds the name


def split(text: str) -> list[str]:
    """``text`` in pieces of at most :data:`PIECE` UTF-8 bytes, cut between characters."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= PIECE:
        return [text]
    out, start = [], 0
    while start < len(raw):
        end = min(start + PIECE, len(raw))
        while start + 1 < end < len(raw) and raw[end] & 0xC0 == 0x80:  # inside a character
            end -= 1
        out.append(raw[start:end].decode("utf-8", "surrogatepass"))
        start = end
    return out


def key_of(name: str, value: str = "") -> str:
    """The field a name is kept under: itself, or its hash when longer than :data:`PIECE`, or
    than ``PIECE - 8`` bytes with a ``value`` in pieces (their names would be longer)."""
    raw = name.encode("utf-8", "surrogatepass")
    if len(raw) <= PIECE - 8 or (
        len(raw) <= PIECE and len(value.encode("utf-8", "surrogatepass")) <= PIECE
    ):
        return name
    return HASHED + hashlib.sha1(raw).hexdigest()[:16]


def stored(field: str, value: str, whole: bool = False, key: str = "") -> dict[str, str]:
    """The fields ``field`` = ``value`` is written as (``whole``: a long name the hash already
    holds whole, written before names were hashed, stays so, as the scripts keep it; ``key``:
    the field it is kept under already, if any)."""
    key = field if whole else key or key_of(field, value)
    out = {} if key == field else _pieces(NAME + key[1:], field)
    return {**out, **_pieces(key, value)}


def _pieces(key: str, value: str) -> dict[str, str]:
    first, *rest = split(value)
    return {key: first, **{f"{MARK}{k}:{key}": piece for k, piece in enumerate(rest, 1)}}


def rewrite(existing: list[str], fields: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """What to HSET and HDEL to write ``fields`` over a hash whose field names are
    ``existing``: their pieces and names, no stale pieces of theirs, and the count."""
    out: dict[str, str] = {}
    old = set(existing)
    gone: set[str] = set()  # names kept whole till now, hashed now (a value in pieces)
    for name, value in fields.items():
        digest = HASHED + hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        if digest in old:  # hashed before: stays so (a whole copy goes, as the scripts do)
            out.update(stored(name, value, key=digest))
            gone.add(name)
            continue
        whole = name in old and len(name.encode("utf-8", "surrogatepass")) > PIECE
        key = name if whole else key_of(name, value)
        if key != name:
            gone.add(name)
        out.update(stored(name, value, key=key))
    gone &= old
    drop = [f for f in old if f in gone or (f != MARK and owner(f) in gone)]
    drop += [f for f in old if f[:1] == MARK and f != MARK and f not in out and owner(f) in out]
    kept = (old - set(drop)) | set(out)
    count = sum(f[:1] == HASHED for f in kept) + len({owner(f) for f in kept if owner(f) != f})
    if count:
        out[MARK] = str(count)
    else:
        drop.append(MARK)
    return out, drop


def owner(field: str) -> str:
    """The field a piece belongs to (a field that is no piece: itself)."""
    if field[:1] != MARK or field == MARK:
        return field
    k, _, of = field[1:].partition(":")
    return of if k.isdigit() else field


_KEPT = frozenset((MARK, HASHED, NAME))  # what a field kept in pieces or by hash starts with


def joined(fields: dict[str, str]) -> dict[str, str]:
    """A profile hash's fields as they were written: pieces joined, long names back.

    One pass picks the few fields that start with a mark; the others are copied in C, in
    their order (the profile's dicts keep it)."""
    if MARK not in fields:
        return fields
    marked = [name for name in fields if name[:1] in _KEPT]
    whole = dict(fields)  # then without the pieces and the count
    more: dict[str, dict[int, str]] = {}
    named = False
    for name in marked:
        if name[:1] != MARK:
            named = True
            continue
        del whole[name]
        if name != MARK:
            k, _, of = name[1:].partition(":")
            if k.isdigit():
                more.setdefault(of, {})[int(k)] = fields[name]
    for name, parts in more.items():
        if name in whole:  # pieces of a field no longer there: left out
            whole[name] += "".join(parts[k] for k in sorted(parts))
    if not named:
        return whole
    out = {name: value for name, value in whole.items() if name[:1] not in (HASHED, NAME)}
    for name, value in whole.items():  # (over a long name kept whole, as the scripts read it)
        if name[:1] == HASHED and (real := whole.get(NAME + name[1:])) is not None:
            out[real] = value
    return out


# In the guard, after ``note``: reads the hash into ``have`` as written, and defines put, incr
# and del, which keep the pieces, the names, the count and ``have`` true. ``pieced[k]``: how
# many pieces past the first the field k has; ``named[f]``: the field a long name f is kept as.
LUA = r"""
local pieced, named = {}, {}
local function count_by(n)
  if redis.call('HINCRBY', H, '\30', n) <= 0 then redis.call('HDEL', H, '\30') end
end
local function repiece(k, n)  -- field k now has n pieces past its first: the old ones past n go
  local had = pieced[k] or 0
  for i = n + 1, had do redis.call('HDEL', H, '\30' .. i .. ':' .. k) end
  if (had > 0) ~= (n > 0) then count_by(n > 0 and 1 or -1) end
  pieced[k] = n > 0 and n or nil
end
do  -- one pass; the rare pieces and hashed names after it
  local flat, more, odd = redis.call('HGETALL', H), nil, nil
  for i = 1, #flat, 2 do
    local f = flat[i]
    local b = string.byte(f, 1)
    local k, of = nil, nil
    if b == 30 then k, of = string.match(f, '^\30(%d+):(.*)$') end
    if k then
      more = more or {}
      more[of] = more[of] or {}
      more[of][tonumber(k)] = flat[i + 1]
    elseif b == 28 or b == 29 then
      odd = odd or {}
      odd[f] = flat[i + 1]
    elseif f ~= '\30' then  -- a long name kept whole (written before names were hashed) stays
      note(f, flat[i + 1])
      if #f > PIECE then named[f] = f end
    end
  end
  for f, parts in pairs(more or {}) do
    if have[f] ~= nil then
      pieced[f] = #parts
      note(f, have[f] .. table.concat(parts))
    elseif odd and odd[f] ~= nil then
      pieced[f] = #parts
      odd[f] = odd[f] .. table.concat(parts)
    end
  end
  for f, v in pairs(odd or {}) do  -- a hashed name over a whole one: the whole one goes
    local name = string.byte(f, 1) == 29 and odd['\28' .. string.sub(f, 2)]
    if name then
      if named[name] == name then redis.call('HDEL', H, name); repiece(name, 0) end
      named[name] = f
      note(name, v)
    end
  end
  changed = {}
end
local function store(k, v)  -- v under field k, in pieces when longer than PIECE bytes
  local i, n = 1, 0
  repeat
    local j = math.min(i + PIECE - 1, #v)
    local after = string.byte(v, j + 1)  -- nil at the end
    while j > i and after and after >= 128 and after < 192 do  -- inside a character
      j = j - 1
      after = string.byte(v, j + 1)
    end
    redis.call('HSET', H, n == 0 and k or '\30' .. n .. ':' .. k, string.sub(v, i, j))
    n, i = n + 1, j + 1
  until i > #v
  repiece(k, n - 1)
end
local function key_of(f, v)  -- the field f is kept under (a new long name: its name written;
  -- a name over PIECE - 8 bytes with a value v in pieces too: their names would be longer)
  if named[f] then return named[f] end
  if #f <= PIECE - 8 or (#f <= PIECE and #(v or '') <= PIECE) then return f end
  named[f] = '\29' .. string.sub(redis.sha1hex(f), 1, 16)
  store('\28' .. string.sub(named[f], 2), f)
  count_by(1)
  if have[f] ~= nil then redis.call('HDEL', H, f); repiece(f, 0) end  -- kept whole till now
  return named[f]
end
local function put(f, v)
  v = tostring(v)
  if have[f] == v then return end  -- as kept already: nothing to write
  store(key_of(f, v), v)
  note(f, v)
end
local function incr(f, n) note(f, tostring(redis.call('HINCRBY', H, key_of(f), n))) end
local function del(f)
  if have[f] == nil then return end
  local k = key_of(f)
  redis.call('HDEL', H, k)
  repiece(k, 0)
  if k ~= f then
    local name = '\28' .. string.sub(k, 2)
    redis.call('HDEL', H, name)
    repiece(name, 0)
    count_by(-1)
    named[f] = nil
  end
  note(f, nil)
end
""".replace("PIECE", str(PIECE))
