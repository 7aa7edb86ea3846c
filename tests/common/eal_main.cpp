// gtest main for tests that need DPDK: one EAL per process, no hugepages, no PCI, no files.
#include <gtest/gtest.h>

#include <rte_eal.h>

#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

class eal_environment : public ::testing::Environment {
  public:
    void SetUp() override {
        // Lcore 0 is the test (and the bridge's control lcore); lcore 1 runs the
        // worker. --no-shconf and a per-process prefix: parallel test processes
        // share no runtime files (--in-memory would, but it excludes --no-huge).
        std::vector<std::string> args = {"bridgehost-test",
                                         "--no-huge",
                                         "--no-pci",
                                         "--no-shconf",
                                         "--file-prefix",
                                         "bhtest-" + std::to_string(getpid()),
                                         "-m",
                                         "256",
                                         "--lcores",
                                         "0@0,1@1",
                                         "--main-lcore",
                                         "0",
                                         "--log-level",
                                         "*:error",
                                         "--no-telemetry"};
        std::vector<char*> argv;
        for (std::string& a : args)
            argv.push_back(a.data());
        if (rte_eal_init(int(argv.size()), argv.data()) < 0) {
            std::fprintf(stderr, "cannot start the EAL for the tests\n");
            std::abort();
        }
    }
    void TearDown() override {
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        rmdir(runtime_dir.c_str()); // empty under --no-shconf; EAL leaves it behind
    }
};

} // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Registered after InitGoogleTest and run only when tests run, so that
    // gtest_discover_tests (--gtest_list_tests) never starts DPDK.
    ::testing::AddGlobalTestEnvironment(new eal_environment);
    return RUN_ALL_TESTS();
}
