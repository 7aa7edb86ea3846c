// The MAC table unit tests' fixture: a table on an RCU variable the test drives, and keys.
#pragma once

#include "fdb/mac_table.hpp"

#include <gtest/gtest.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <memory>

namespace bridgehost {

inline constexpr fdb_time kT0 = 1000;

inline fdb_key mac_key(uint8_t last, uint8_t first = 0x02) {
    const uint8_t mac[6] = {first, 0, 0, 0, 0, last};
    return make_fdb_key(mac);
}

/// A table with one (optional) RCU reader, thread id 0, that the test drives.
class fdb_test : public ::testing::Test {
  protected:
    void make(uint32_t capacity, fdb_time aging) {
        rcu_.reset(
            static_cast<rte_rcu_qsbr*>(rte_zmalloc("t_rcu", rte_rcu_qsbr_get_memsize(1), 64)));
        ASSERT_NE(rcu_, nullptr);
        ASSERT_EQ(rte_rcu_qsbr_init(rcu_.get(), 1), 0);
        table_ = std::make_unique<mac_table>(mac_table::params{"t_fdb", capacity, 0, rcu_.get()});
        table_->set_aging(aging);
    }
    void TearDown() override {
        table_.reset();
        rcu_.reset();
    }
    uint16_t port_of(fdb_key k) {
        auto idx = table_->lookup(k);
        EXPECT_TRUE(idx.has_value());
        return idx ? idx->port() : UINT16_MAX;
    }

    struct rcu_free {
        void operator()(rte_rcu_qsbr* v) const { rte_free(v); }
    };
    std::unique_ptr<rte_rcu_qsbr, rcu_free> rcu_;
    std::unique_ptr<mac_table> table_;
};

} // namespace bridgehost
