"""Profile values longer than Redis keeps compact, stored in pieces.

Redis keeps a hash in its compact encoding (a listpack, about a quarter of the memory) only while
every value is at most ``hash-max-listpack-value`` bytes, 64 by default: one longer value (a
first-visit referrer, a long UTM value, an attribute, a reason naming a long product title)
converts the whole profile. So a longer value is kept as its first piece under its own field
and the rest under ``\\x1e<k>:<field>`` (k = 1, 2 ...), each piece at most 64 bytes and cut
between UTF-8 characters; the field ``\\x1e`` counts the fields kept so, and a reader joins
pieces only when it is there. The scripts write and read them in Lua (:data:`LUA`, opened by
store/privacy.py's guard); Python reads with :func:`joined` and writes with :func:`rewrite`.
"""

from __future__ import annotations

PIECE = 64  # bytes: Redis's default hash-max-listpack-value
MARK = "\x1e"  # the count of pieced fields, and the start of every further piece's field


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


def stored(field: str, value: str) -> dict[str, str]:
    """The fields ``field`` = ``value`` is written as (the first piece under ``field``)."""
    first, *rest = split(value)
    return {field: first, **{f"{MARK}{k}:{field}": piece for k, piece in enumerate(rest, 1)}}


def rewrite(existing: list[str], fields: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """What to HSET and HDEL to write ``fields`` over a hash whose field names are
    ``existing``: their pieces, no stale pieces of theirs, and the count of pieced fields."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        out.update(stored(name, value))
    old = {f for f in existing if f[:1] == MARK and f != MARK}
    drop = [f for f in old if f.partition(":")[2] in fields and f not in out]
    kept = (old - set(drop)) | {f for f in out if f[:1] == MARK}
    count = len({f.partition(":")[2] for f in kept})
    if count:
        out[MARK] = str(count)
    else:
        drop.append(MARK)
    return out, drop


def joined(fields: dict[str, str]) -> dict[str, str]:
    """A profile hash's fields with every pieced value whole again (and no piece fields)."""
    if MARK not in fields:
        return fields
    out: dict[str, str] = {}
    more: dict[str, dict[int, str]] = {}
    for name, value in fields.items():
        if name[:1] != MARK:
            out[name] = value
        elif name != MARK:
            k, _, of = name[1:].partition(":")
            if k.isdigit():
                more.setdefault(of, {})[int(k)] = value
    for name, parts in more.items():
        if name in out:  # pieces of a field no longer there: left out
            out[name] += "".join(parts[k] for k in sorted(parts))
    return out


# In the guard, after ``note``: reads the hash into ``have`` whole, and defines put and del,
# which keep the pieces, the marker and ``have`` true. ``pieced[f]``: how many pieces past the
# first ``f`` has.
LUA = r"""
local pieced = {}
do
  local flat, more = redis.call('HGETALL', H), {}
  for i = 1, #flat, 2 do
    local k, of = string.match(flat[i], '^\30(%d+):(.*)$')
    if k then
      more[of] = more[of] or {}
      more[of][tonumber(k)] = flat[i + 1]
    elseif flat[i] ~= '\30' then
      note(flat[i], flat[i + 1])
    end
  end
  for f, parts in pairs(more) do
    if have[f] ~= nil then pieced[f] = #parts; note(f, have[f] .. table.concat(parts)) end
  end
end
local function repiece(f, n)  -- f now has n pieces past its first: the old ones past n go
  local had = pieced[f] or 0
  for k = n + 1, had do redis.call('HDEL', H, '\30' .. k .. ':' .. f) end
  if (had > 0) ~= (n > 0) and redis.call('HINCRBY', H, '\30', n > 0 and 1 or -1) <= 0 then
    redis.call('HDEL', H, '\30')
  end
  pieced[f] = n > 0 and n or nil
end
local function put(f, v)
  v = tostring(v)
  local i, n = 1, 0
  repeat
    local j = math.min(i + PIECE - 1, #v)
    local after = string.byte(v, j + 1)  -- nil at the end
    while j > i and after and after >= 128 and after < 192 do  -- inside a character
      j = j - 1
      after = string.byte(v, j + 1)
    end
    redis.call('HSET', H, n == 0 and f or '\30' .. n .. ':' .. f, string.sub(v, i, j))
    n, i = n + 1, j + 1
  until i > #v
  repiece(f, n - 1)
  note(f, v)
end
local function del(f)
  if have[f] ~= nil then redis.call('HDEL', H, f); repiece(f, 0); note(f, nil) end
end
""".replace("PIECE", str(PIECE))
