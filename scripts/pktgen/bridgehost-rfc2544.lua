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
-- Settings. Each one is taken, in this order, from
--   1. a Lua global of that name set before this file runs (a wrapper script that
--      sets e.g. SIZE = 128 and then does dofile("scripts/pktgen/bridgehost-rfc2544.lua")),
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
S.TRIAL_SECONDS    = setting("TRIAL_SECONDS", 10)          -- length of one trial (RFC 2544 asks 60 for the final one)
S.RESOLUTION       = setting("RESOLUTION", 0.5)            -- stop when the pass/fail bracket is this narrow (percent)
S.LOSS_TOLERANCE   = setting("LOSS_TOLERANCE", 0)          -- percent of frames a passing trial may lose
S.MAX_RATE         = setting("MAX_RATE", 100)              -- first trial and upper bound (percent of line rate)
S.PRIME_EACH_TRIAL = setting("PRIME_EACH_TRIAL", true)     -- before every trial (RFC 2544), or only the first
S.NDR_FILE         = setting("NDR_FILE", "/tmp/bridgehost-pktgen-ndr.csv")
S.TRIAL_FILE       = setting("TRIAL_FILE", "")             -- if set, every trial is appended there too,
                                                           -- in bridgehost-fixed.lua's format

local NDR_HEADER = "macs,size,loss_tolerance_pct,ndr_rate_pct,tx_mpps,rx_mpps,loss_pct,trial_s,trials"
local TRIAL_HEADER = bh.FIXED_HEADER

---------------------------------------------------------------------------------------
-- Helpers

local function check_own_settings()
    if not (S.TRIAL_SECONDS > 0) then
        fail("TRIAL_SECONDS must be > 0, got %s", num(S.TRIAL_SECONDS))
    end
    if not (S.MAX_RATE > 0 and S.MAX_RATE <= 100) then
        fail("MAX_RATE must be in (0, 100], got %s", tostring(S.MAX_RATE))
    end
    if not (S.RESOLUTION >= 0.01 and S.RESOLUTION < S.MAX_RATE) then
        fail("RESOLUTION must be from 0.01 to below MAX_RATE, got %s", num(S.RESOLUTION))
    end
    if not (S.LOSS_TOLERANCE >= 0 and S.LOSS_TOLERANCE < 100) then
        fail("LOSS_TOLERANCE must be in [0, 100), got %s", num(S.LOSS_TOLERANCE))
    end
end

local function prime_fdb(quiet)
    bh.prime_fdb(function(c)
        if not quiet then
            say("priming: %d MAC pair(s) both ways at %s%% for %s s: sent %d A->B, %d B->A; received %d, %d",
                S.MACS, num(S.PRIME_RATE), num(S.PRIME_SECONDS), c.a_to_b_tx, c.b_to_a_tx, c.a_to_b_rx, c.b_to_a_rx)
        end
    end)
end

-- Append to `path` unless it is unset (TRIAL_FILE's default) or empty.
local function append_line(path, header, line)
    if path == nil or path == "" then
        return
    end
    bh.append_line(path, header, line)
end

-- Round a rate to pktgen's useful precision (hundredths of a percent).
local function round_rate(rate)
    return math.floor(rate * 100 + 0.5) / 100
end

---------------------------------------------------------------------------------------
-- Main

local function main()
    local speed_a, speed_b, line_pps = bh.start(check_own_settings)
    local line_mpps = line_pps / 1e6
    local name = (S.LOSS_TOLERANCE > 0) and "PDR" or "NDR"
    say("bridgehost-rfc2544: ports %s,%s (%d/%d Mb/s, line rate %.4f Mpps both ways), %d MAC pair(s), "
        .. "%d-byte frames, %s s trials, resolution %s%%, loss tolerance %s%% (%s)",
        S.PORT_A, S.PORT_B, speed_a, speed_b, line_mpps, S.MACS, S.SIZE, num(S.TRIAL_SECONDS),
        num(S.RESOLUTION), num(S.LOSS_TOLERANCE), name)

    bh.setup_traffic()

    -- Binary search: `lo` is the highest rate that passed (0: none yet), `hi`
    -- the lowest that failed; the first trial is at MAX_RATE.
    local lo, hi = 0, S.MAX_RATE
    local rate = S.MAX_RATE
    local best = nil
    local trials = 0
    local max_trials = math.ceil(math.log(S.MAX_RATE / S.RESOLUTION) / math.log(2)) + 2

    while true do
        trials = trials + 1
        if S.PRIME and (S.PRIME_EACH_TRIAL or trials == 1) then
            prime_fdb(trials > 1)
        end

        local c = bh.run_traffic(rate, S.TRIAL_SECONDS)
        local lost = c.tx - c.rx
        local loss_pct = lost * 100 / c.tx
        local pass = lost <= c.tx * S.LOSS_TOLERANCE / 100
        local tx_mpps, rx_mpps = c.tx / S.TRIAL_SECONDS / 1e6, c.rx / S.TRIAL_SECONDS / 1e6
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
        append_line(S.TRIAL_FILE, TRIAL_HEADER, bh.fixed_line(rate, S.TRIAL_SECONDS, c, tx_mpps, rx_mpps, loss_pct))

        if pass then
            lo = rate
            best = { rate = rate, tx_mpps = tx_mpps, rx_mpps = rx_mpps, loss_pct = loss_pct, limited = note ~= "" }
        else
            hi = rate
        end
        if pass and rate >= S.MAX_RATE then
            break
        end
        if hi - lo <= S.RESOLUTION or trials >= max_trials then
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
        line = string.format("%d,%d,%s,%s,%.4f,%.4f,%.4f,%s,%d", S.MACS, S.SIZE, num(S.LOSS_TOLERANCE),
            num(best.rate), best.tx_mpps, best.rx_mpps, best.loss_pct, num(S.TRIAL_SECONDS), trials)
        say("%s: %s%% of line rate, %.4f Mpps forwarded (both directions), %d-byte frames, %d MAC pair(s), %d trials",
            name, num(best.rate), best.rx_mpps, S.SIZE, S.MACS, trials)
        if best.limited then
            say("WARNING: the passing trial did not reach its requested rate, so the percentage overstates it: "
                .. "take rx_mpps. On NICs pktgen could not send more (bridgehost may do more); on vhost-user "
                .. "bridgehost may have pushed back by not emptying the vring, which virtio does instead of dropping")
        end
    else
        line = string.format("%d,%d,%s,0,0.0000,0.0000,,%s,%d", S.MACS, S.SIZE, num(S.LOSS_TOLERANCE),
            num(S.TRIAL_SECONDS), trials)
        say("%s: no trial passed (lowest tried %s%%)", name, num(rate))
    end
    append_line(S.NDR_FILE, NDR_HEADER, line)
    say("%s", NDR_HEADER)
    say("%s", line)
    say("result appended to %s", S.NDR_FILE)
end

bh.run("bridgehost-rfc2544", main)
