-- bridgehost-rfc2544.lua: RFC 2544 throughput (NDR, or PDR with a loss tolerance)
-- of bridgehost with Pktgen-DPDK 23.x.
--
-- Same traffic as bridgehost-fixed.lua: pktgen's PORT_A sends A_k -> B_k and
-- PORT_B sends B_k -> A_k, k = 0 .. MACS-1, both ports at the same percentage of
-- line rate. A binary search on that percentage finds the highest rate whose
-- trial loses at most LOSS_TOLERANCE percent of the frames (0: no loss, the
-- RFC 2544 throughput / CSIT's NDR; e.g. 0.5: CSIT's PDR). Each trial: learning
-- frames (the FDB is primed at a low rate, RFC 2544 section 23), counters
-- cleared, TRIAL_SECONDS of traffic, SETTLE seconds for residual frames, count.
-- It prints every trial and appends one line to NDR_FILE (and prints it):
--
--   macs,size,loss_tolerance_pct,ndr_rate_pct,tx_mpps,rx_mpps,loss_pct,trial_s,trials
--
-- where the rates and loss are those measured in the best passing trial, both
-- directions together; ndr_rate_pct is 0 when no trial passed. See README.md.
--
-- Settings. Each one below is taken, in this order, from
--   1. a Lua global of that name set before this file runs (a wrapper script that
--      sets e.g. SIZE = 128 and then does dofile("scripts/pktgen/bridgehost-rfc2544.lua")),
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

local PORT_A           = setting("PORT_A", "0")                -- pktgen port on bridgehost's first side
local PORT_B           = setting("PORT_B", "1")                -- pktgen port on bridgehost's other side
local MACS             = setting("MACS", 1)                    -- MAC pairs (A_k <-> B_k); bridgehost learns 2*MACS
local MAC_A            = setting("MAC_A", "02:0a:00:00:00:01") -- A_0; A_k = MAC_A + k
local MAC_B            = setting("MAC_B", "02:0b:00:00:00:01") -- B_0; B_k = MAC_B + k
local SIZE             = setting("SIZE", 64)                   -- Ethernet frame size incl. CRC, 64..1518
local TRIAL_SECONDS    = setting("TRIAL_SECONDS", 10)          -- length of one trial (RFC 2544 asks 60 for the final one)
local SETTLE           = setting("SETTLE", 2)                  -- seconds after each stop before counting (>= 1.5)
local RESOLUTION       = setting("RESOLUTION", 0.5)            -- stop when the pass/fail bracket is this narrow (percent)
local LOSS_TOLERANCE   = setting("LOSS_TOLERANCE", 0)          -- percent of frames a passing trial may lose
local MAX_RATE         = setting("MAX_RATE", 100)              -- first trial and upper bound (percent of line rate)
local PRIME            = setting("PRIME", true)                -- send learning frames before trials
local PRIME_EACH_TRIAL = setting("PRIME_EACH_TRIAL", true)     -- before every trial (RFC 2544), or only the first
local PRIME_RATE       = setting("PRIME_RATE", 1)              -- percent of line rate while priming
local PRIME_SECONDS    = setting("PRIME_SECONDS", 2)           -- seconds of priming traffic
local NDR_FILE         = setting("NDR_FILE", "/tmp/bridgehost-pktgen-ndr.csv")
local TRIAL_FILE       = setting("TRIAL_FILE", "")             -- if set, every trial is appended there too,
                                                               -- in bridgehost-fixed.lua's format
local SCREEN_OFF       = setting("SCREEN_OFF", true)           -- stop pktgen's screen so the output is readable
local QUIT             = setting("QUIT", false)                -- quit pktgen when done (only with -f, see README)

local NDR_HEADER = "macs,size,loss_tolerance_pct,ndr_rate_pct,tx_mpps,rx_mpps,loss_pct,trial_s,trials"
local TRIAL_HEADER = "macs,size,rate_pct,duration_s,tx_pkts,rx_pkts,tx_mpps,rx_mpps,loss_pct"

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
    if not (TRIAL_SECONDS > 0) then
        fail("TRIAL_SECONDS must be > 0, got %s", num(TRIAL_SECONDS))
    end
    if not (MAX_RATE > 0 and MAX_RATE <= 100) then
        fail("MAX_RATE must be in (0, 100], got %s", tostring(MAX_RATE))
    end
    if not (RESOLUTION >= 0.01 and RESOLUTION < MAX_RATE) then
        fail("RESOLUTION must be from 0.01 to below MAX_RATE, got %s", num(RESOLUTION))
    end
    if not (LOSS_TOLERANCE >= 0 and LOSS_TOLERANCE < 100) then
        fail("LOSS_TOLERANCE must be in [0, 100), got %s", num(LOSS_TOLERANCE))
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

local function prime_fdb(quiet)
    local c = run_traffic(PRIME_RATE, PRIME_SECONDS)
    if not quiet then
        say("priming: %d MAC pair(s) both ways at %s%% for %s s: sent %d A->B, %d B->A; received %d, %d",
            MACS, num(PRIME_RATE), num(PRIME_SECONDS), c.a_to_b_tx, c.b_to_a_tx, c.a_to_b_rx, c.b_to_a_rx)
    end
    if c.a_to_b_tx < MACS or c.b_to_a_tx < MACS then
        say("WARNING: priming sent fewer frames per side than MACS; raise PRIME_SECONDS or PRIME_RATE")
    end
    if c.rx == 0 then
        say("WARNING: nothing came back while priming: is bridgehost running and forwarding?")
    end
    pktgen.clr()
end

local function append_line(path, header, line)
    if path == nil or path == "" then
        return
    end
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

-- Round a rate to pktgen's useful precision (hundredths of a percent).
local function round_rate(rate)
    return math.floor(rate * 100 + 0.5) / 100
end

---------------------------------------------------------------------------------------
-- Main

local function main()
    check_settings()
    if SCREEN_OFF then
        pktgen.screen("off")
    end

    local speed_a, speed_b = link_speed(PORT_A), link_speed(PORT_B)
    local line_mpps = (line_rate_pps(speed_a, SIZE) + line_rate_pps(speed_b, SIZE)) / 1e6
    local name = (LOSS_TOLERANCE > 0) and "PDR" or "NDR"
    say("bridgehost-rfc2544: ports %s,%s (%d/%d Mb/s, line rate %.4f Mpps both ways), %d MAC pair(s), "
        .. "%d-byte frames, %s s trials, resolution %s%%, loss tolerance %s%% (%s)",
        PORT_A, PORT_B, speed_a, speed_b, line_mpps, MACS, SIZE, num(TRIAL_SECONDS),
        num(RESOLUTION), num(LOSS_TOLERANCE), name)

    setup_traffic()

    -- Binary search: `lo` is the highest rate that passed (0: none yet), `hi`
    -- the lowest that failed; the first trial is at MAX_RATE.
    local lo, hi = 0, MAX_RATE
    local rate = MAX_RATE
    local best = nil
    local trials = 0
    local max_trials = math.ceil(math.log(MAX_RATE / RESOLUTION) / math.log(2)) + 2

    while true do
        trials = trials + 1
        if PRIME and (PRIME_EACH_TRIAL or trials == 1) then
            prime_fdb(trials > 1)
        end

        local c = run_traffic(rate, TRIAL_SECONDS)
        local lost = c.tx - c.rx
        local loss_pct = lost * 100 / c.tx
        local pass = lost <= c.tx * LOSS_TOLERANCE / 100
        local tx_mpps, rx_mpps = c.tx / TRIAL_SECONDS / 1e6, c.rx / TRIAL_SECONDS / 1e6
        local offered_mpps = line_mpps * rate / 100
        local note = ""
        if tx_mpps < 0.97 * offered_mpps then
            note = string.format(" (only %.1f%% of the requested rate was sent)", 100 * tx_mpps / offered_mpps)
        end
        say("trial %2d: rate %6.2f%%  tx %d  rx %d  lost %d (%.4f%%)  tx %.4f Mpps  rx %.4f Mpps  %s%s",
            trials, rate, c.tx, c.rx, lost, loss_pct, tx_mpps, rx_mpps, pass and "PASS" or "FAIL", note)
        if c.pg_rx_missed + c.pg_rx_errors + c.pg_rx_nombuf > 0 then
            say("          pktgen's own receive side dropped frames (imissed %d, ierrors %d, rx_nombuf %d): "
                .. "counted as loss, not bridgehost's", c.pg_rx_missed, c.pg_rx_errors, c.pg_rx_nombuf)
        end
        append_line(TRIAL_FILE, TRIAL_HEADER, string.format("%d,%d,%s,%s,%d,%d,%.4f,%.4f,%.4f", MACS, SIZE,
            num(rate), num(TRIAL_SECONDS), c.tx, c.rx, tx_mpps, rx_mpps, loss_pct))

        if pass then
            lo = rate
            best = { rate = rate, tx_mpps = tx_mpps, rx_mpps = rx_mpps, loss_pct = loss_pct, limited = note ~= "" }
        else
            hi = rate
        end
        if pass and rate >= MAX_RATE then
            break
        end
        if hi - lo <= RESOLUTION or trials >= max_trials then
            break
        end
        local next_rate = round_rate((lo + hi) / 2)
        if next_rate <= lo or next_rate >= hi then
            break
        end
        rate = next_rate
    end

    local line
    if best then
        line = string.format("%d,%d,%s,%s,%.4f,%.4f,%.4f,%s,%d", MACS, SIZE, num(LOSS_TOLERANCE),
            num(best.rate), best.tx_mpps, best.rx_mpps, best.loss_pct, num(TRIAL_SECONDS), trials)
        say("%s: %s%% of line rate, %.4f Mpps forwarded (both directions), %d-byte frames, %d MAC pair(s), %d trials",
            name, num(best.rate), best.rx_mpps, SIZE, MACS, trials)
        if best.limited then
            say("WARNING: the passing trial did not reach its requested rate, so the percentage overstates it: "
                .. "take rx_mpps. On NICs pktgen could not send more (bridgehost may do more); on vhost-user "
                .. "bridgehost may have pushed back by not emptying the vring, which virtio does instead of dropping")
        end
    else
        line = string.format("%d,%d,%s,0,0.0000,0.0000,,%s,%d", MACS, SIZE, num(LOSS_TOLERANCE),
            num(TRIAL_SECONDS), trials)
        say("%s: no trial passed (lowest tried %s%%)", name, num(rate))
    end
    append_line(NDR_FILE, NDR_HEADER, line)
    say("%s", NDR_HEADER)
    say("%s", line)
    say("result appended to %s", NDR_FILE)
end

local ok, err = pcall(main)
if not ok then
    pcall(pktgen.stop, both())
    io.write("bridgehost-rfc2544: ERROR: ", tostring(err), "\n")
    io.flush()
end
if QUIT then
    pktgen.quit()
end
