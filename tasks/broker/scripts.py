"""Lua scripts that take a message and record it as unacknowledged in one atomic step.

kombu's stock transport pops with BRPOP and writes the `unacked` hash in a second
round trip; a worker killed in between loses the message. Here the pop and the
record are one script, or (when waiting) BLMOVE parks the message in the
consumer's in-flight list, from which `SETTLE` records it atomically.
"""

from __future__ import annotations

from typing import Final

# The unacked entry is kombu's `[payload, exchange, routing_key]`, built by
# concatenation so the payload's JSON is kept byte for byte (cjson would turn
# empty lists into objects). A payload cjson cannot read is left unrecorded,
# for kombu to reject as the stock transport would.
_RECORD: Final = """
local function record(unacked, index, payload, now)
  local ok, decoded = pcall(cjson.decode, payload)
  if not ok or type(decoded) ~= 'table' or type(decoded['properties']) ~= 'table' then
    return
  end
  local properties = decoded['properties']
  local info = properties['delivery_info'] or {}
  local tag = properties['delivery_tag']
  if type(tag) ~= 'string' then
    return
  end
  local entry = '[' .. payload .. ',' .. cjson.encode(info['exchange'] or '') .. ','
    .. cjson.encode(info['routing_key'] or '') .. ']'
  redis.call('HSET', unacked, tag, entry)
  redis.call('ZADD', index, now, tag)
end
"""

#: KEYS: unacked, unacked_index, then the queue keys in kombu's BRPOP order.
#: ARGV: now, how many messages at most, then per queue key '1' (acknowledged consumer:
#: record) or '0' (no-ack). Takes from the first non-empty key, then the next, until it
#: has that many. Returns {key, payload, key, payload, ...}, or false when all are empty.
TAKE: Final = (
    _RECORD
    + """
local taken = {}
local wanted = tonumber(ARGV[2])
for i = 3, #KEYS do
  while #taken < 2 * wanted do
    local payload = redis.call('RPOP', KEYS[i])
    if not payload then
      break
    end
    if ARGV[i] == '1' then
      record(KEYS[1], KEYS[2], payload, ARGV[1])
    end
    table.insert(taken, KEYS[i])
    table.insert(taken, payload)
  end
end
if #taken == 0 then
  return false
end
return taken
"""
)

#: KEYS: in-flight list, unacked, unacked_index. ARGV: payload, now, '1' to record.
#: Returns 1, or 0 when the reaper has already put the message back in its queue.
SETTLE: Final = (
    _RECORD
    + """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
if ARGV[3] == '1' then
  record(KEYS[2], KEYS[3], ARGV[1], ARGV[2])
end
return 1
"""
)

#: KEYS: in-flight list, its source queue key, the registry. ARGV: cutoff (Unix time).
#: Moves every parked message back to the consuming end of its queue and forgets
#: the list, unless its consumer registered it again after the cutoff (alive).
#: Returns the payloads moved.
RESTORE: Final = """
local seen = redis.call('ZSCORE', KEYS[3], KEYS[1])
if seen and tonumber(seen) > tonumber(ARGV[1]) then
  return {}
end
local moved = {}
while true do
  local payload = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT')
  if not payload then
    break
  end
  table.insert(moved, payload)
end
redis.call('ZREM', KEYS[3], KEYS[1])
return moved
"""
