#!/usr/bin/env python3
"""The soak's judge (scripts/lib/soak_analyze.py) on synthetic series: a steady
run passes, and each kind of leak, loss or stray drop fails with its reason."""
import argparse
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import soak_analyze  # noqa: E402

MACS, CHURN, AGING, RATE = 1024, 32, 10, 100_000


def params(**kw):
    a = argparse.Namespace(macs=MACS, churn=CHURN, aging=AGING, warmup=None, mbuf_slack=256,
                           rss_slack_kib=4096, allow_drop=None)
    for k, v in kw.items():
        setattr(a, k, v)
    return a


def steady(seconds=120, interval=5):
    """A healthy run: flat mbufs and RSS (with noise), FDB at its plateau,
    every new MAC learned, silent ones aged, no drop, no loss."""
    rows = []
    for i, t in enumerate(range(0, seconds + 1, interval)):
        replaced = CHURN * t
        rows.append({
            "t_s": float(t), "phase": "run", "alive": 1.0, "error": "",
            "rss_kib": 200_000.0 + (i % 3) * 40, "mbufs_in_use": float((i * 7) % 40),
            "fdb_entries": float(MACS + CHURN * min(t, AGING)),
            "fdb_learned": float(MACS + replaced), "fdb_aged": float(max(0, replaced - CHURN * AGING)),
            "fdb_table_full": 0.0, "fdb_evicted": 0.0, "fdb_learn_ring_full": 0.0,
            "drop_tx_full": 0.0, "drop_no_mbuf": 0.0, "drop_filtered": 0.0,
            "dev_imissed": 0.0, "dev_rx_nombuf": 0.0,
            "gen_tx": float(RATE * t), "gen_rx": float(RATE * t - 40), "gen_misdelivered": 0.0,
            "gen_replaced": float(replaced), "gen_done": 0.0})
    final = dict(rows[-1], phase="final", fdb_entries=0.0, gen_done=1.0)
    final["gen_rx"] = final["gen_tx"]
    rows.append(final)
    return rows


def judge(rows, **kw):
    fails, _ = soak_analyze.judge(rows, params(**kw))
    return fails


class SoakJudge(unittest.TestCase):
    def test_a_steady_run_passes(self):
        self.assertEqual(judge(steady()), [])

    def test_a_slow_mbuf_leak_fails(self):
        rows = steady()
        for r in rows:
            r["mbufs_in_use"] += 3 * r["t_s"]  # 3 mbufs a second: 300 over the judged 100 s
        fails = judge(rows)
        self.assertTrue(any(f.startswith("mbufs_in_use grows") for f in fails), fails)

    def test_an_rss_step_late_in_the_run_fails(self):
        rows = steady()
        for r in rows:
            if r["t_s"] >= 100:
                r["rss_kib"] += 8192
        fails = judge(rows)
        self.assertTrue(any("rss_kib grows: max of the last third" in f for f in fails), fails)

    def test_growth_during_warm_up_is_not_judged(self):
        rows = steady()
        for r in rows:
            if r["t_s"] < AGING + 10:
                r["rss_kib"] -= 50_000  # pages touched while the FDB fills
        self.assertEqual(judge(rows), [])

    def test_an_fdb_that_keeps_growing_fails(self):
        rows = steady()
        for r in rows:
            if r["phase"] == "run":
                r["fdb_entries"] = MACS + CHURN * r["t_s"]  # nothing ages
            r["fdb_aged"] = 0.0
        fails = judge(rows)
        self.assertTrue(any(f.startswith("FDB size") for f in fails), fails)
        self.assertTrue(any("not aging out" in f for f in fails), fails)

    def test_new_macs_not_learned_fail(self):
        rows = steady()
        rows[-1]["fdb_learned"] = MACS + 100.0
        self.assertTrue(any(f.startswith("learned 100 MACs") for f in judge(rows)))

    def test_unexplained_loss_fails(self):
        rows = steady()
        rows[-1]["gen_rx"] = rows[-1]["gen_tx"] - 5
        self.assertIn("5 frames lost that no drop counter explains (lost 5, counted 0)", judge(rows))

    def test_loss_explained_by_an_allowed_drop_passes_and_unallowed_fails(self):
        rows = steady()
        rows[-1]["gen_rx"] = rows[-1]["gen_tx"] - 5
        rows[-1]["drop_tx_full"] = 5.0
        rows[-2]["drop_tx_full"] = 5.0
        self.assertEqual(judge(rows, allow_drop=["tx_full"]), [])
        fails = judge(rows)
        self.assertIn("unexpected drops: tx_full 5 (first seen by t=120 s)", fails)

    def test_a_drop_allowed_up_to_a_rate_fails_above_it(self):
        rows = steady()  # 12,000,000 frames sent
        rows[-1]["gen_rx"] = rows[-1]["gen_tx"] - 120
        rows[-1]["drop_tx_full"] = 120.0  # 10 ppm
        self.assertEqual(judge(rows, allow_drop=["tx_full:10"]), [])
        self.assertEqual(judge(rows, allow_drop=["tx_full:9"]),
                         ["too many drops: tx_full 120, 10.0 ppm of the frames sent, above the 9 ppm allowed"])

    def test_pmd_drops_and_lost_learn_events_fail(self):
        rows = steady()
        rows[-1]["dev_rx_nombuf"] = 3.0
        rows[-1]["fdb_learn_ring_full"] = 2.0
        fails = judge(rows)
        self.assertTrue(any(f.startswith("unexpected drops: rx_nombuf 3") for f in fails), fails)
        self.assertTrue(any(f.startswith("unexpected drops: learn_ring_full 2") for f in fails), fails)

    def test_bridgehost_gone_fails(self):
        rows = steady()
        rows[10] = {"t_s": rows[10]["t_s"], "phase": "run", "alive": 0.0, "error": "process 1 gone",
                    **{k: v for k, v in rows[9].items() if k.startswith("gen_")}}
        fails = judge(rows)
        self.assertTrue(any(f.startswith("bridgehost not running") for f in fails), fails)

    def test_misdelivered_and_unfinished_generator_fail(self):
        rows = steady()
        rows[-1]["gen_misdelivered"] = 1.0
        rows[-1]["gen_done"] = 0.0
        fails = judge(rows)
        self.assertIn("1 frames arrived on the wrong side", fails)
        self.assertIn("the generator did not finish its run (no final progress line)", fails)

    def test_too_short_a_run_cannot_pass(self):
        fails = judge(steady(seconds=30))
        self.assertTrue(any("need 6 to judge" in f for f in fails), fails)

    def test_growth_rule_arithmetic(self):
        post = [{"t_s": float(t), "m": float(v)} for t, v in
                zip(range(0, 60, 10), [10, 12, 11, 30, 31, 40])]
        rise, trend = soak_analyze.growth(post, "m")
        self.assertEqual(rise, 40 - 12)  # last two vs first two samples
        self.assertAlmostEqual(trend, soak_analyze.slope([0, 10, 20, 30, 40, 50],
                                                         [10, 12, 11, 30, 31, 40]) * 50)
        self.assertAlmostEqual(soak_analyze.slope([0, 1, 2], [1, 3, 5]), 2.0)


if __name__ == "__main__":
    unittest.main()
