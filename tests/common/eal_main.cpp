// gtest main for tests that need DPDK: one EAL per process, no hugepages, no PCI, no files.
#include "control/eal_session.hpp"

#include <gtest/gtest.h>

#include <rte_eal.h>

#include <memory>
#include <string>
#include <unistd.h>

namespace {

class eal_environment : public ::testing::Environment {
  public:
    void SetUp() override {
        // Lcore 0 is the test (and the bridge's control lcore); lcore 1 runs the
        // worker. --no-shconf and a per-process prefix: parallel test processes
        // share no runtime files (--in-memory would, but it excludes --no-huge).
        eal_ = std::make_unique<bridgehost::eal_session>(
            "bridgehost-test",
            std::vector<std::string>{"--no-huge", "--no-pci", "--no-shconf", "--file-prefix",
                                     "bhtest-" + std::to_string(getpid()), "-m", "256", "--lcores",
                                     "0@0,1@1", "--main-lcore", "0", "--log-level", "*:error",
                                     "--no-telemetry"});
    }
    void TearDown() override {
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        eal_.reset();
        rmdir(runtime_dir.c_str()); // empty under --no-shconf; EAL leaves it behind
    }

  private:
    std::unique_ptr<bridgehost::eal_session> eal_;
};

} // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Registered after InitGoogleTest and run only when tests run, so that
    // gtest_discover_tests (--gtest_list_tests) never starts DPDK.
    ::testing::AddGlobalTestEnvironment(new eal_environment);
    return RUN_ALL_TESTS();
}
