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
-- Settings. Each one is taken, in this order, from
--   1. a Lua global of that name set before this file runs (a wrapper script that
--      sets e.g. SIZE = 128 and then does dofile("scripts/pktgen/bridgehost-fixed.lua")),
--   2. the environment variable BH_<NAME> (e.g. BH_SIZE=128; pktgen must be
--      started with that environment, so `sudo -E` or `sudo env BH_SIZE=128 ...`),
--   3. the default written here, or for the settings both scripts have, in
--      bridgehost-common.lua (or edit it there).

-- The helpers and the settings both scripts share are in bridgehost-common.lua. It must
-- stay in this file's directory; failing that, it is looked for in the current one. If
-- it cannot be loaded, this stops with that Lua error (QUIT is not read yet).
local here = (debug and debug.getinfo(1, "S").source or ""):match("^@(.*[/\\])") or ""
local load_common, load_error = loadfile(here .. "bridgehost-common.lua")
local bh = assert(load_common or loadfile("bridgehost-common.lua"), load_error)()
local setting, say, num, fail = bh.setting, bh.say, bh.num, bh.fail

-- The settings both scripts have (PORT_A, PORT_B, MACS, MAC_A, MAC_B, SIZE, PRIME,
-- PRIME_RATE, PRIME_SECONDS, SETTLE, SCREEN_OFF, QUIT: see bridgehost-common.lua), then
-- this script's own. The shared helpers read them all from this table.
local S = bh.read_settings()
S.RATE          = setting("RATE", 10)                     -- percent of line rate, per port, 0.01..100
S.DURATION      = setting("DURATION", 10)                 -- seconds of measured traffic
S.RESULT_FILE   = setting("RESULT_FILE", "/tmp/bridgehost-pktgen.csv")

local HEADER = bh.FIXED_HEADER

---------------------------------------------------------------------------------------
-- Helpers

local function check_own_settings()
    if not (S.RATE > 0 and S.RATE <= 100) then
        fail("RATE must be in (0, 100], got %s", num(S.RATE))
    end
    if not (S.DURATION > 0) then
        fail("DURATION must be > 0, got %s", num(S.DURATION))
    end
end

local function prime_fdb()
    say("priming: %d MAC pair(s) both ways at %s%% for %s s", S.MACS, num(S.PRIME_RATE), num(S.PRIME_SECONDS))
    bh.prime_fdb(function(c)
        say("priming: sent %d A->B, %d B->A; received %d, %d", c.a_to_b_tx, c.b_to_a_tx, c.a_to_b_rx, c.b_to_a_rx)
    end)
end

---------------------------------------------------------------------------------------
-- Main

local function main()
    local speed_a, speed_b, line_pps = bh.start(check_own_settings)
    local offered_mpps = line_pps * S.RATE / 100 / 1e6
    say("bridgehost-fixed: ports %s,%s (%d/%d Mb/s), %d MAC pair(s), %d-byte frames, %s%% for %s s",
        S.PORT_A, S.PORT_B, speed_a, speed_b, S.MACS, S.SIZE, num(S.RATE), num(S.DURATION))

    bh.setup_traffic()
    if S.PRIME then
        prime_fdb()
    end

    local c = bh.run_traffic(S.RATE, S.DURATION)
    local tx_mpps = c.tx / S.DURATION / 1e6
    local rx_mpps = c.rx / S.DURATION / 1e6
    local loss_pct = (c.tx - c.rx) * 100 / c.tx

    say("A->B: sent %d received %d; B->A: sent %d received %d", c.a_to_b_tx, c.a_to_b_rx, c.b_to_a_tx, c.b_to_a_rx)
    say("offered %.4f Mpps (both ports at %s%% of link speed), sent %.4f Mpps, received %.4f Mpps, loss %.4f%%",
        offered_mpps, num(S.RATE), tx_mpps, rx_mpps, loss_pct)
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

    local line = bh.fixed_line(S.RATE, S.DURATION, c, tx_mpps, rx_mpps, loss_pct)
    bh.append_line(S.RESULT_FILE, HEADER, line)
    say("%s", HEADER)
    say("%s", line)
    say("result appended to %s", S.RESULT_FILE)
end

bh.run("bridgehost-fixed", main)
