-- bridgehost-fixed.lua: one fixed-rate measurement of bridgehost with Pktgen-DPDK 23.x.
--
-- Pktgen's port PORT_A is cabled (or vhost-connected) to one bridgehost port and
-- PORT_B to another. PORT_A sends frames from MAC A_k to MAC B_k, PORT_B from
-- B_k to A_k, k = 0 .. MACS-1, so every destination is a source on the other
-- side and bridgehost forwards known unicast once the table has learned them.
-- The script primes the table (a short low-rate run both ways), clears the
-- counters, sends for DURATION seconds at RATE percent of line rate on both
-- ports, and appends one CSV line to RESULT_FILE (and prints it):
--
--   macs,size,rate_pct,duration_s,tx_pkts,rx_pkts,tx_mpps,rx_mpps,loss_pct
--
-- Counts and Mpps are both directions together. See README.md beside this file.
--
-- Settings. Each one below is taken, in this order, from
--   1. a Lua global of that name set before this file runs (a wrapper script that
--      sets e.g. SIZE = 128 and then does dofile("scripts/pktgen/bridgehost-fixed.lua")),
--   2. the environment variable BH_<NAME> (e.g. BH_SIZE=128; pktgen must be
--      started with that environment, so `sudo -E` or `sudo env BH_SIZE=128 ...`),
--   3. the default written here (or edit it).

local setting_errors = {}

local function setting(name, default)
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

local PORT_A        = setting("PORT_A", "0")                  -- pktgen port on bridgehost's first side
local PORT_B        = setting("PORT_B", "1")                  -- pktgen port on bridgehost's other side
local MACS          = setting("MACS", 1)                      -- MAC pairs (A_k <-> B_k); bridgehost learns 2*MACS
local MAC_A         = setting("MAC_A", "02:0a:00:00:00:01")   -- A_0; A_k = MAC_A + k
local MAC_B         = setting("MAC_B", "02:0b:00:00:00:01")   -- B_0; B_k = MAC_B + k
local SIZE          = setting("SIZE", 64)                     -- Ethernet frame size incl. CRC, 64..1518
local RATE          = setting("RATE", 10)                     -- percent of line rate, per port, 0.01..100
local DURATION      = setting("DURATION", 10)                 -- seconds of measured traffic
local PRIME         = setting("PRIME", true)                  -- prime the FDB before measuring
local PRIME_RATE    = setting("PRIME_RATE", 1)                -- percent of line rate while priming
local PRIME_SECONDS = setting("PRIME_SECONDS", 2)             -- seconds of priming traffic
local SETTLE        = setting("SETTLE", 2)                    -- seconds after stop before counting (>= 1.5)
local RESULT_FILE   = setting("RESULT_FILE", "/tmp/bridgehost-pktgen.csv")
local SCREEN_OFF    = setting("SCREEN_OFF", true)             -- stop pktgen's screen so the output is readable
local QUIT          = setting("QUIT", false)                  -- quit pktgen when done (only with -f, see README)

local HEADER = "macs,size,rate_pct,duration_s,tx_pkts,rx_pkts,tx_mpps,rx_mpps,loss_pct"

---------------------------------------------------------------------------------------
-- Helpers

local function fail(fmt, ...)
    error(string.format(fmt, ...), 0)
end

-- io.write, not print: when the script runs through pktgen's Lua socket (-G),
-- io's default output is the socket, while print always goes to pktgen's console.
local function say(fmt, ...)
    io.write(string.format(fmt, ...), "\n")
    io.flush()
end

-- A rate, duration or tolerance as the user would write it: 10, 12.5, 0.25.
local function num(x)
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

local function check_settings()
    if #setting_errors > 0 then
        fail("%s", table.concat(setting_errors, "; "))
    end
    PORT_A, PORT_B = tostring(PORT_A), tostring(PORT_B)
    if PORT_A == PORT_B then
        fail("PORT_A and PORT_B are both %s", PORT_A)
    end
    if tonumber(PORT_A) == nil or tonumber(PORT_B) == nil then
        fail("PORT_A and PORT_B must be single port numbers, got %q and %q", PORT_A, PORT_B)
    end
    if MACS < 1 or MACS > 16777216 or MACS % 1 ~= 0 then
        fail("MACS must be an integer from 1 to 16777216, got %s", tostring(MACS))
    end
    if SIZE < 64 or SIZE > 1518 or SIZE % 1 ~= 0 then
        fail("SIZE must be an integer from 64 to 1518, got %s", tostring(SIZE))
    end
    if not (RATE > 0 and RATE <= 100) then
        fail("RATE must be in (0, 100], got %s", num(RATE))
    end
    if not (DURATION > 0) then
        fail("DURATION must be > 0, got %s", num(DURATION))
    end
    if not (PRIME_RATE > 0 and PRIME_RATE <= 100) or not (PRIME_SECONDS > 0) then
        fail("PRIME_RATE must be in (0, 100] and PRIME_SECONDS > 0")
    end
    if SETTLE < 1.5 then
        say("note: SETTLE raised from %s to 1.5 s: pktgen refreshes its port counters once a second", tostring(SETTLE))
        SETTLE = 1.5
    end
    MACS, SIZE = math.floor(MACS), math.floor(SIZE)
    local a, b = mac_to_int(MAC_A), mac_to_int(MAC_B)
    if (a <= b and b < a + MACS) or (b <= a and a < b + MACS) then
        fail("the A range (%s + %d) and the B range (%s + %d) overlap", MAC_A, MACS, MAC_B, MACS)
    end
    if a + MACS - 1 > 0xffffffffffff or b + MACS - 1 > 0xffffffffffff then
        fail("a MAC range runs past ff:ff:ff:ff:ff:ff")
    end
end

local function pid(port)
    return math.floor(tonumber(port))
end

local function both()
    return PORT_A .. "," .. PORT_B
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

-- Program both ports: IPv4/UDP, SIZE bytes, range mode with the MAC ranges
-- stepping in lockstep (src and dst advance together, wrap together).
local function setup_traffic()
    local ports = both()
    local a0, b0 = mac_to_int(MAC_A), mac_to_int(MAC_B)
    local step = (MACS > 1) and "00:00:00:00:00:01" or "00:00:00:00:00:00"
    -- IPv4 and UDP fields do not matter to a switch; the destination address
    -- steps through .1-.254 so that a multi-queue bridgehost port spreads the
    -- frames over its rx queues (its RSS hashes the IP addresses).
    local sides = {
        { port = PORT_A, src = a0, dst = b0, src_ip = "198.18.0.1", dst_net = "198.19.0." },
        { port = PORT_B, src = b0, dst = a0, src_ip = "198.19.0.1", dst_net = "198.18.0." },
    }

    pktgen.stop(ports)
    pktgen.set_range(ports, "off")
    pktgen.set_type(ports, "ipv4")
    pktgen.set_proto(ports, "udp")
    -- pktgen paces range traffic by the single-packet size, so set both.
    pktgen.set(ports, "size", SIZE)
    pktgen.range.set_type(ports, "ipv4")
    pktgen.range.ip_proto(ports, "udp")
    pktgen.range.pkt_size(ports, "start", SIZE)
    pktgen.range.pkt_size(ports, "min", SIZE)
    pktgen.range.pkt_size(ports, "max", SIZE)
    pktgen.range.pkt_size(ports, "inc", 0)

    for _, side in ipairs(sides) do
        local src_first, src_last = int_to_mac(side.src), int_to_mac(side.src + MACS - 1)
        local dst_first, dst_last = int_to_mac(side.dst), int_to_mac(side.dst + MACS - 1)
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
    local a, b = stats[pid(PORT_A)], stats[pid(PORT_B)]
    if a == nil or b == nil then
        fail("pktgen.portStats returned no entry for port %s or %s", PORT_A, PORT_B)
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

-- Send at `rate` percent for `seconds`, wait SETTLE, return the counts.
local function run_traffic(rate, seconds)
    local ports = both()
    pktgen.set(ports, "rate", rate)
    pktgen.clr()
    pktgen.start(ports)
    pktgen.delay(ms(seconds))
    pktgen.stop(ports)
    pktgen.delay(ms(SETTLE))
    local c = read_counts()
    if c.tx == 0 then
        fail("%s", STALE_STATS_HELP)
    end
    return c
end

local function prime_fdb()
    say("priming: %d MAC pair(s) both ways at %s%% for %s s", MACS, num(PRIME_RATE), num(PRIME_SECONDS))
    local c = run_traffic(PRIME_RATE, PRIME_SECONDS)
    say("priming: sent %d A->B, %d B->A; received %d, %d", c.a_to_b_tx, c.b_to_a_tx, c.a_to_b_rx, c.b_to_a_rx)
    if c.a_to_b_tx < MACS or c.b_to_a_tx < MACS then
        say("WARNING: priming sent fewer frames per side than MACS; raise PRIME_SECONDS or PRIME_RATE")
    end
    if c.rx == 0 then
        say("WARNING: nothing came back while priming: is bridgehost running and forwarding?")
    end
    pktgen.clr()
end

local function append_result(line)
    local file, err = io.open(RESULT_FILE, "a")
    if not file then
        say("WARNING: cannot open %s: %s", RESULT_FILE, tostring(err))
        return
    end
    if file:seek("end") == 0 then
        file:write(HEADER, "\n")
    end
    file:write(line, "\n")
    file:close()
end

---------------------------------------------------------------------------------------
-- Main

local function main()
    check_settings()
    if SCREEN_OFF then
        pktgen.screen("off")
    end

    local speed_a, speed_b = link_speed(PORT_A), link_speed(PORT_B)
    local offered_mpps = (line_rate_pps(speed_a, SIZE) + line_rate_pps(speed_b, SIZE)) * RATE / 100 / 1e6
    say("bridgehost-fixed: ports %s,%s (%d/%d Mb/s), %d MAC pair(s), %d-byte frames, %s%% for %s s",
        PORT_A, PORT_B, speed_a, speed_b, MACS, SIZE, num(RATE), num(DURATION))

    setup_traffic()
    if PRIME then
        prime_fdb()
    end

    local c = run_traffic(RATE, DURATION)
    local tx_mpps = c.tx / DURATION / 1e6
    local rx_mpps = c.rx / DURATION / 1e6
    local loss_pct = (c.tx - c.rx) * 100 / c.tx

    say("A->B: sent %d received %d; B->A: sent %d received %d", c.a_to_b_tx, c.a_to_b_rx, c.b_to_a_tx, c.b_to_a_rx)
    say("offered %.4f Mpps (both ports at %s%% of link speed), sent %.4f Mpps, received %.4f Mpps, loss %.4f%%",
        offered_mpps, num(RATE), tx_mpps, rx_mpps, loss_pct)
    if tx_mpps < 0.97 * offered_mpps then
        say("WARNING: pktgen sent only %.1f%% of the requested rate. On NICs that is pktgen's own limit; on "
            .. "vhost-user it may also be bridgehost not emptying the vring (virtio pushes back instead of "
            .. "dropping), so read rx_mpps as what bridgehost forwarded", 100 * tx_mpps / offered_mpps)
    end
    if c.pg_rx_missed + c.pg_rx_errors + c.pg_rx_nombuf > 0 then
        say("WARNING: pktgen's own receive side dropped frames (imissed %d, ierrors %d, rx_nombuf %d): "
            .. "they count as loss here but were not lost by bridgehost",
            c.pg_rx_missed, c.pg_rx_errors, c.pg_rx_nombuf)
    end

    local line = string.format("%d,%d,%s,%s,%d,%d,%.4f,%.4f,%.4f", MACS, SIZE, num(RATE),
        num(DURATION), c.tx, c.rx, tx_mpps, rx_mpps, loss_pct)
    append_result(line)
    say("%s", HEADER)
    say("%s", line)
    say("result appended to %s", RESULT_FILE)
end

local ok, err = pcall(main)
if not ok then
    pcall(pktgen.stop, both())
    io.write("bridgehost-fixed: ERROR: ", tostring(err), "\n")
    io.flush()
end
if QUIT then
    pktgen.quit()
end
