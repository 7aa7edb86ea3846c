-- bridgehost-common.lua: what bridgehost-fixed.lua and bridgehost-rfc2544.lua share.
--
-- Not a script to run. Both scripts load this file from their own directory
-- (falling back to the current directory), so it must stay next to them. Each
-- load returns a fresh table, so nothing carries over from one run to the next,
-- even though pktgen keeps one Lua state for its whole run:
--
--   bh.read_settings()         read the settings both scripts have (their defaults
--                              are here) into the table bh.cfg and return it
--   bh.setting(name, default)  read one more setting (a Lua global, BH_<NAME>, or the
--                              default); the script stores its own in bh.cfg too
--   bh.start(own)              check the settings (own() checks the script's), screen
--                              off, wait for the links; returns speeds and line rate
--   bh.setup_traffic(), bh.run_traffic(rate, seconds), bh.prime_fdb(report), ...
--   bh.run(name, main)         run main(), report its error, quit if QUIT is set
--
-- The traffic and the settings are described in README.md beside this file.

local bh = {}
local cfg = {}
bh.cfg = cfg

local setting_errors = {}

-- One setting, taken, first match wins, from a Lua global of that name, the
-- environment variable BH_<NAME>, or `default`. The type of `default` decides
-- how a string is read. A value that should be a number and is not is
-- reported by check_settings().
function bh.setting(name, default)
    local value = rawget(_G, name)
    if type(value) == "string" and type(default) == "number" then
        if tonumber(value) == nil then
            setting_errors[#setting_errors + 1] = string.format("%s=%q is not a number", name, value)
        end
        value = tonumber(value) or default
    end
    if value == nil then
        local env = os.getenv("BH_" .. name)
        if env ~= nil and env ~= "" then
            if type(default) == "number" then
                value = tonumber(env)
                if value == nil then
                    setting_errors[#setting_errors + 1] = string.format("BH_%s=%q is not a number", name, env)
                    value = default
                end
            elseif type(default) == "boolean" then
                value = (env == "1" or env == "true" or env == "yes" or env == "on")
            else
                value = env
            end
        else
            value = default
        end
    end
    return value
end

-- Read the settings both scripts have into bh.cfg and return it; the script
-- then adds its own. README.md describes them.
function bh.read_settings()
    local setting = bh.setting
    cfg.PORT_A        = setting("PORT_A", "0")                  -- pktgen port on bridgehost's first side
    cfg.PORT_B        = setting("PORT_B", "1")                  -- pktgen port on bridgehost's other side
    cfg.MACS          = setting("MACS", 1)                      -- MAC pairs (A_k <-> B_k); bridgehost learns 2*MACS
    cfg.MAC_A         = setting("MAC_A", "02:0a:00:00:00:01")   -- A_0; A_k = MAC_A + k
    cfg.MAC_B         = setting("MAC_B", "02:0b:00:00:00:01")   -- B_0; B_k = MAC_B + k
    cfg.SIZE          = setting("SIZE", 64)                     -- Ethernet frame size incl. CRC, 64..1518
    cfg.PRIME         = setting("PRIME", true)                  -- send learning frames before measuring
    cfg.PRIME_RATE    = setting("PRIME_RATE", 1)                -- percent of line rate while priming
    cfg.PRIME_SECONDS = setting("PRIME_SECONDS", 2)             -- seconds of priming traffic
    cfg.SETTLE        = setting("SETTLE", 2)                    -- seconds after each stop before counting (>= 1.5)
    cfg.SCREEN_OFF    = setting("SCREEN_OFF", true)             -- stop pktgen's screen so the output is readable
    cfg.QUIT          = setting("QUIT", false)                  -- quit pktgen when done (only with -f, see README)
    return cfg
end

---------------------------------------------------------------------------------------
-- Output and small conversions

function bh.fail(fmt, ...)
    error(string.format(fmt, ...), 0)
end
local fail = bh.fail

-- io.write, not print: when the script runs through pktgen's Lua socket (-G),
-- io's default output is the socket, while print always goes to pktgen's console.
function bh.say(fmt, ...)
    io.write(string.format(fmt, ...), "\n")
    io.flush()
end
local say = bh.say

-- A rate, duration or tolerance as the user would write it: 10, 12.5, 0.25.
function bh.num(x)
    return string.format("%g", x)
end

-- "02:0a:00:00:00:01" (or with '-') -> integer
local function mac_to_int(text)
    local octets = {}
    for octet in string.gmatch(text, "[^:%-]+") do
        if not string.match(octet, "^%x%x?$") then
            fail("bad MAC %q", text)
        end
        octets[#octets + 1] = tonumber(octet, 16)
    end
    if #octets ~= 6 then
        fail("bad MAC %q", text)
    end
    if octets[1] % 2 == 1 then
        fail("MAC %s is multicast; bridgehost drops multicast sources (invalid_src)", text)
    end
    local value = 0
    for i = 1, 6 do
        value = value * 256 + octets[i]
    end
    return value
end

local function int_to_mac(value)
    local octets = {}
    for i = 6, 1, -1 do
        octets[i] = string.format("%02x", math.floor(value % 256))
        value = math.floor(value / 256)
    end
    return table.concat(octets, ":")
end

-- Validate the settings both scripts have, normalise PORT_A/PORT_B (to strings),
-- MACS and SIZE (to integers) and SETTLE (at least 1.5). `own`, if given, checks
-- the script's own settings; it runs after SIZE and before PRIME_RATE is checked.
local function check_settings(own)
    if #setting_errors > 0 then
        fail("%s", table.concat(setting_errors, "; "))
    end
    cfg.PORT_A, cfg.PORT_B = tostring(cfg.PORT_A), tostring(cfg.PORT_B)
    if cfg.PORT_A == cfg.PORT_B then
        fail("PORT_A and PORT_B are both %s", cfg.PORT_A)
    end
    if tonumber(cfg.PORT_A) == nil or tonumber(cfg.PORT_B) == nil then
        fail("PORT_A and PORT_B must be single port numbers, got %q and %q", cfg.PORT_A, cfg.PORT_B)
    end
    if cfg.MACS < 1 or cfg.MACS > 16777216 or cfg.MACS % 1 ~= 0 then
        fail("MACS must be an integer from 1 to 16777216, got %s", tostring(cfg.MACS))
    end
    if cfg.SIZE < 64 or cfg.SIZE > 1518 or cfg.SIZE % 1 ~= 0 then
        fail("SIZE must be an integer from 64 to 1518, got %s", tostring(cfg.SIZE))
    end
    if own then
        own()
    end
    if not (cfg.PRIME_RATE > 0 and cfg.PRIME_RATE <= 100) or not (cfg.PRIME_SECONDS > 0) then
        fail("PRIME_RATE must be in (0, 100] and PRIME_SECONDS > 0")
    end
    if cfg.SETTLE < 1.5 then
        say("note: SETTLE raised from %s to 1.5 s: pktgen refreshes its port counters once a second",
            tostring(cfg.SETTLE))
        cfg.SETTLE = 1.5
    end
    cfg.MACS, cfg.SIZE = math.floor(cfg.MACS), math.floor(cfg.SIZE)
    local a, b = mac_to_int(cfg.MAC_A), mac_to_int(cfg.MAC_B)
    if (a <= b and b < a + cfg.MACS) or (b <= a and a < b + cfg.MACS) then
        fail("the A range (%s + %d) and the B range (%s + %d) overlap", cfg.MAC_A, cfg.MACS, cfg.MAC_B, cfg.MACS)
    end
    if a + cfg.MACS - 1 > 0xffffffffffff or b + cfg.MACS - 1 > 0xffffffffffff then
        fail("a MAC range runs past ff:ff:ff:ff:ff:ff")
    end
end

---------------------------------------------------------------------------------------
-- Pktgen

local function pid(port)
    return math.floor(tonumber(port))
end

-- "PORT_A,PORT_B", the port list pktgen's calls take.
local function both()
    return cfg.PORT_A .. "," .. cfg.PORT_B
end

local function ms(seconds)
    return math.floor(seconds * 1000 + 0.5)
end

-- Link speed of a port in Mb/s, waiting up to 10 s for the link to come up.
-- pktgen itself assumes 10000 when the PMD reports an unknown speed (virtio-user).
local function link_speed(port)
    for _ = 1, 20 do
        local state = pktgen.linkState(port)[pid(port)]
        local speed = state and string.match(state, "^<UP%-(%d+)%-")
        if speed then
            return tonumber(speed)
        end
        pktgen.delay(500)
    end
    fail("port %s link is down (%s)", port, tostring(pktgen.linkState(port)[pid(port)]))
end

-- Frames per second one port can carry at line rate (preamble, SFD and IFG: 20 bytes).
local function line_rate_pps(speed_mbps, size)
    return speed_mbps * 1e6 / ((size + 20) * 8)
end

-- The start of both scripts' main(): check the settings (`own` checks the script's
-- own, as in check_settings), turn pktgen's screen off if SCREEN_OFF is set and wait
-- for both links. Returns the two link speeds in Mb/s and the frames per second
-- both ports together carry at line rate.
function bh.start(own)
    check_settings(own)
    if cfg.SCREEN_OFF then
        pktgen.screen("off")
    end
    local speed_a, speed_b = link_speed(cfg.PORT_A), link_speed(cfg.PORT_B)
    return speed_a, speed_b, line_rate_pps(speed_a, cfg.SIZE) + line_rate_pps(speed_b, cfg.SIZE)
end

-- Program both ports: IPv4/UDP, SIZE bytes, range mode with the MAC ranges
-- stepping in lockstep (src and dst advance together, wrap together).
function bh.setup_traffic()
    local ports = both()
    local macs, size = cfg.MACS, cfg.SIZE
    local a0, b0 = mac_to_int(cfg.MAC_A), mac_to_int(cfg.MAC_B)
    local step = (macs > 1) and "00:00:00:00:00:01" or "00:00:00:00:00:00"
    -- IPv4 and UDP fields do not matter to a switch; the destination address
    -- steps through .1-.254 so that a multi-queue bridgehost port spreads the
    -- frames over its rx queues (its RSS hashes the IP addresses).
    local sides = {
        { port = cfg.PORT_A, src = a0, dst = b0, src_ip = "198.18.0.1", dst_net = "198.19.0." },
        { port = cfg.PORT_B, src = b0, dst = a0, src_ip = "198.19.0.1", dst_net = "198.18.0." },
    }

    pktgen.stop(ports)
    pktgen.set_range(ports, "off")
    pktgen.set_type(ports, "ipv4")
    pktgen.set_proto(ports, "udp")
    -- pktgen paces range traffic by the single-packet size, so set both.
    pktgen.set(ports, "size", size)
    pktgen.range.set_type(ports, "ipv4")
    pktgen.range.ip_proto(ports, "udp")
    pktgen.range.pkt_size(ports, "start", size)
    pktgen.range.pkt_size(ports, "min", size)
    pktgen.range.pkt_size(ports, "max", size)
    pktgen.range.pkt_size(ports, "inc", 0)

    for _, side in ipairs(sides) do
        local src_first, src_last = int_to_mac(side.src), int_to_mac(side.src + macs - 1)
        local dst_first, dst_last = int_to_mac(side.dst), int_to_mac(side.dst + macs - 1)
        -- the single packet too, so pktgen's main page shows the right MACs
        pktgen.set_mac(side.port, "src", src_first)
        pktgen.set_mac(side.port, "dst", dst_first)

        pktgen.range.src_mac(side.port, "start", src_first)
        pktgen.range.src_mac(side.port, "min", src_first)
        pktgen.range.src_mac(side.port, "max", src_last)
        pktgen.range.src_mac(side.port, "inc", step)
        pktgen.range.dst_mac(side.port, "start", dst_first)
        pktgen.range.dst_mac(side.port, "min", dst_first)
        pktgen.range.dst_mac(side.port, "max", dst_last)
        pktgen.range.dst_mac(side.port, "inc", step)

        for _, what in ipairs({ "start", "min", "max" }) do
            pktgen.range.src_ip(side.port, what, side.src_ip)
        end
        pktgen.range.src_ip(side.port, "inc", "0.0.0.0")
        pktgen.range.dst_ip(side.port, "start", side.dst_net .. "1")
        pktgen.range.dst_ip(side.port, "min", side.dst_net .. "1")
        pktgen.range.dst_ip(side.port, "max", side.dst_net .. "254")
        pktgen.range.dst_ip(side.port, "inc", "0.0.0.1")
        for _, what in ipairs({ "start", "min", "max" }) do
            pktgen.range.src_port(side.port, what, 1024)
            pktgen.range.dst_port(side.port, what, 1024)
        end
        pktgen.range.src_port(side.port, "inc", 0)
        pktgen.range.dst_port(side.port, "inc", 0)
    end

    pktgen.set_range(ports, "on")
end

-- Counters since the last pktgen.clr(), as pktgen's 1 s stats refresh last saw them.
local function read_counts()
    local stats = pktgen.portStats(both(), "port")
    local a, b = stats[pid(cfg.PORT_A)], stats[pid(cfg.PORT_B)]
    if a == nil or b == nil then
        fail("pktgen.portStats returned no entry for port %s or %s", cfg.PORT_A, cfg.PORT_B)
    end
    return {
        a_to_b_tx = a.opackets, a_to_b_rx = b.ipackets,
        b_to_a_tx = b.opackets, b_to_a_rx = a.ipackets,
        tx = a.opackets + b.opackets,
        rx = a.ipackets + b.ipackets,
        pg_rx_missed = a.imissed + b.imissed,
        pg_rx_errors = a.ierrors + b.ierrors,
        pg_rx_nombuf = a.rx_nombuf + b.rx_nombuf,
    }
end

local STALE_STATS_HELP = "pktgen reported 0 packets sent. Pktgen 23.10.0 to 24.03.0 do not refresh "
    .. "port counters while a script started with -f runs: run the script through pktgen's "
    .. "Lua socket (-G) instead, or use pktgen 23.06.x or >= 24.03.1 (see README.md)"

-- Send at `rate` percent for `seconds`, wait SETTLE, return the counts:
-- a_to_b_tx, a_to_b_rx, b_to_a_tx, b_to_a_rx, tx, rx (both ports together) and
-- pktgen's own receive drops pg_rx_missed, pg_rx_errors, pg_rx_nombuf.
function bh.run_traffic(rate, seconds)
    local ports = both()
    pktgen.set(ports, "rate", rate)
    pktgen.clr()
    pktgen.start(ports)
    pktgen.delay(ms(seconds))
    pktgen.stop(ports)
    pktgen.delay(ms(cfg.SETTLE))
    local c = read_counts()
    if c.tx == 0 then
        fail("%s", STALE_STATS_HELP)
    end
    return c
end

-- Learning frames: PRIME_SECONDS at PRIME_RATE both ways. `report(c)` is called
-- with the counts before the warnings are printed; the counters are cleared after.
function bh.prime_fdb(report)
    local c = bh.run_traffic(cfg.PRIME_RATE, cfg.PRIME_SECONDS)
    report(c)
    if c.a_to_b_tx < cfg.MACS or c.b_to_a_tx < cfg.MACS then
        say("WARNING: priming sent fewer frames per side than MACS; raise PRIME_SECONDS or PRIME_RATE")
    end
    if c.rx == 0 then
        say("WARNING: nothing came back while priming: is bridgehost running and forwarding?")
    end
    pktgen.clr()
end

---------------------------------------------------------------------------------------
-- Result files

-- The format of bridgehost-fixed.lua's result file, and of bridgehost-rfc2544.lua's TRIAL_FILE.
bh.FIXED_HEADER = "macs,size,rate_pct,duration_s,tx_pkts,rx_pkts,tx_mpps,rx_mpps,loss_pct"

function bh.fixed_line(rate, seconds, c, tx_mpps, rx_mpps, loss_pct)
    return string.format("%d,%d,%s,%s,%d,%d,%.4f,%.4f,%.4f", cfg.MACS, cfg.SIZE, bh.num(rate),
        bh.num(seconds), c.tx, c.rx, tx_mpps, rx_mpps, loss_pct)
end

-- Append `line` to the file at `path`, writing `header` first if the file is new or empty.
function bh.append_line(path, header, line)
    local file, err = io.open(path, "a")
    if not file then
        say("WARNING: cannot open %s: %s", path, tostring(err))
        return
    end
    if file:seek("end") == 0 then
        file:write(header, "\n")
    end
    file:write(line, "\n")
    file:close()
end

---------------------------------------------------------------------------------------
-- Running

-- Run main(). On an error stop the ports and print "<name>: ERROR: <message>".
-- Then quit pktgen if QUIT is set.
function bh.run(name, main)
    local ok, err = pcall(main)
    if not ok then
        pcall(pktgen.stop, both())
        io.write(name, ": ERROR: ", tostring(err), "\n")
        io.flush()
    end
    if cfg.QUIT then
        pktgen.quit()
    end
end

return bh
