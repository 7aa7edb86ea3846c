// Log types and levels (rte_log, no ports), and the rate limiter.
#include "common/log.hpp"

#include <rte_log.h>

#include <gtest/gtest.h>

namespace bridgehost {
namespace {

TEST(Log, EveryComponentHasItsOwnRteLogType) {
    log_config cfg;
    logs::apply(cfg);
    const int fdb = logs::type(logs::component::fdb);
    EXPECT_GE(fdb, RTE_LOGTYPE_FIRST_EXT_ID);
    EXPECT_NE(fdb, logs::type(logs::component::port));
    EXPECT_EQ(fdb, rte_log_register("bridgehost.fdb")); // registered under that name
}

TEST(Log, LevelsComeFromTheConfigAndChangeAtRunTime) {
    log_config cfg;
    cfg.level = log_level::warning;
    cfg.components = {{"fdb", log_level::debug}};
    logs::apply(cfg);
    EXPECT_EQ(rte_log_get_level(uint32_t(logs::type(logs::component::fdb))), RTE_LOG_DEBUG);
    EXPECT_EQ(rte_log_get_level(uint32_t(logs::type(logs::component::port))), RTE_LOG_WARNING);
    cfg.components.clear();
    cfg.level = log_level::info;
    logs::apply(cfg); // a reload
    EXPECT_EQ(rte_log_get_level(uint32_t(logs::type(logs::component::fdb))), RTE_LOG_INFO);
    EXPECT_EQ(rte_log_get_level(uint32_t(logs::type(logs::component::diag))), RTE_LOG_INFO);
}

TEST(LogLimiter, AllowsABurstPerPeriodAndCountsTheRest) {
    logs::limiter limit(2, 10);
    EXPECT_TRUE(limit.allow(100));
    EXPECT_TRUE(limit.allow(101));
    EXPECT_FALSE(limit.allow(102));
    EXPECT_FALSE(limit.allow(109));
    EXPECT_TRUE(limit.allow(110)); // a new period
    EXPECT_EQ(limit.suppressed(), 2u);
    EXPECT_TRUE(limit.allow(111));
    EXPECT_EQ(limit.suppressed(), 0u);
}

} // namespace
} // namespace bridgehost
