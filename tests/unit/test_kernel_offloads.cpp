// rx_coalescing_off on a veth pair of its own (root; skipped otherwise): GRO
// off while it lives and back on after, only what it changed restored, a
// renamed or vanished interface, and read_rx_offloads checked against ethtool -k.
#include "port/kernel_offloads.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <net/if.h>
#include <unistd.h>

namespace bridgehost {
namespace {

// Tests may run programs; lib/ may not (tests/lint/no_shell_out.sh).
bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

std::string output_of(const std::string& command) {
    std::string out;
    if (FILE* p = popen((command + " 2>/dev/null").c_str(), "r")) {
        char buf[4096];
        for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
            out.append(buf, n);
        pclose(p);
    }
    return out;
}

// ethtool -k prints rx-gro and rx-lro under their old names.
std::string ethtool_k_name(const std::string& feature) {
    if (feature == "rx-gro")
        return "generic-receive-offload";
    if (feature == "rx-lro")
        return "large-receive-offload";
    return feature;
}

// "on", "off", "on [fixed]", ... as ethtool -k says it, or "" if it does not list the feature.
std::string ethtool_says(const std::string& ifname, const std::string& feature) {
    std::istringstream lines(output_of("ethtool -k " + ifname));
    const std::string prefix = ethtool_k_name(feature) + ": ";
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with(prefix))
            return line.substr(prefix.size());
    return "";
}

std::optional<rx_offload> feature(const std::string& ifname, const std::string& name) {
    const rx_offloads r = read_rx_offloads(ifname);
    EXPECT_EQ(r.error, "");
    for (const rx_offload& f : r.features)
        if (f.name == name)
            return f;
    return std::nullopt;
}

bool gro_on(const std::string& ifname) {
    const std::optional<rx_offload> f = feature(ifname, "rx-gro");
    EXPECT_TRUE(f.has_value());
    const bool on = f && f->active;
    EXPECT_EQ(ethtool_says(ifname, "rx-gro"), on ? "on" : "off") << "ethtool -k disagrees";
    return on;
}

class KernelOffloads : public ::testing::Test {
  protected:
    void SetUp() override {
        if (geteuid() != 0)
            GTEST_SKIP() << "needs root (creates a veth pair)";
        if (!run("command -v ip") || !run("command -v ethtool"))
            GTEST_SKIP() << "needs ip and ethtool (apt-get install -y iproute2 ethtool)";
        const std::string base = "bhko" + std::to_string(getpid());
        a_ = base + "a";
        b_ = base + "b";
        run("ip link del " + b_); // a pair left behind by a crashed run with this pid
        ASSERT_TRUE(run("ip link add " + a_ + " type veth peer name " + b_));
        created_ = true;
    }
    // Deleting one end deletes both, whatever the other is called now.
    void TearDown() override {
        if (created_)
            run("ip link del " + b_);
    }
    void set(const std::string& feature, bool on) {
        ASSERT_TRUE(run("ethtool -K " + a_ + " " + feature + (on ? " on" : " off")));
    }
    unsigned index() const { return if_nametoindex(a_.c_str()); }

    std::string a_, b_;
    bool created_ = false;
};

TEST_F(KernelOffloads, TurnsGroOffAndBackOn) {
    set("rx-gro", true);
    ASSERT_TRUE(gro_on(a_));
    {
        rx_coalescing_off off(index());
        EXPECT_EQ(off.error(), "");
        EXPECT_EQ(off.turned_off(), std::vector<std::string>{"rx-gro"});
        EXPECT_EQ(off.summary(), a_ + ": turned off rx-gro (restored at exit)");
        EXPECT_TRUE(off.all_off());
        EXPECT_FALSE(gro_on(a_));
    }
    EXPECT_TRUE(gro_on(a_));
    EXPECT_EQ(ethtool_says(a_, "rx-gro-list"), "off"); // off before: not "restored" on
}

TEST_F(KernelOffloads, AlreadyOffIsLeftAlone) {
    set("rx-gro", false);
    {
        rx_coalescing_off off(a_);
        EXPECT_EQ(off.summary(), a_ + ": GRO/LRO already off");
        EXPECT_TRUE(off.turned_off().empty());
        EXPECT_TRUE(off.all_off());
        EXPECT_EQ(off.restore(), "");
    }
    EXPECT_FALSE(gro_on(a_));
}

TEST_F(KernelOffloads, RestoresOnlyWhatItTurnedOff) {
    set("rx-gro", true);
    set("rx-gro-list", true);
    {
        rx_coalescing_off off(a_);
        EXPECT_EQ(off.turned_off(), (std::vector<std::string>{"rx-gro", "rx-gro-list"}));
        EXPECT_EQ(ethtool_says(a_, "rx-gro-list"), "off");
        // Someone else's change while bridgehost runs is theirs to keep.
        set("rx-udp-gro-forwarding", true);
    }
    EXPECT_TRUE(gro_on(a_));
    EXPECT_EQ(ethtool_says(a_, "rx-gro-list"), "on");
    EXPECT_EQ(ethtool_says(a_, "rx-udp-gro-forwarding"), "on");
    EXPECT_EQ(ethtool_says(a_, "rx-lro"), "off [fixed]"); // never asked for
}

TEST_F(KernelOffloads, RestoreReportsOnceAndTheDestructorDoesNotRepeatIt) {
    set("rx-gro", true);
    rx_coalescing_off off(a_);
    EXPECT_EQ(off.restore(), "");
    EXPECT_TRUE(gro_on(a_));
    set("rx-gro", false); // the operator's choice from now on
    EXPECT_EQ(off.restore(), "");
    EXPECT_FALSE(gro_on(a_));
}

TEST_F(KernelOffloads, FindsTheInterfaceAfterARename) {
    set("rx-gro", true);
    const std::string renamed = a_ + "r";
    {
        rx_coalescing_off off(index());
        ASSERT_EQ(off.turned_off(), std::vector<std::string>{"rx-gro"});
        ASSERT_TRUE(run("ip link set " + a_ + " name " + renamed));
    }
    EXPECT_TRUE(gro_on(renamed));
}

TEST_F(KernelOffloads, AVanishedInterfaceIsReportedAtRestore) {
    set("rx-gro", true);
    const unsigned ifindex = index();
    rx_coalescing_off off(a_);
    ASSERT_TRUE(run("ip link del " + a_));
    created_ = false;
    EXPECT_EQ(off.restore(), a_ + " (index " + std::to_string(ifindex) +
                                 "): cannot turn rx-gro back on: the interface is gone");
    EXPECT_EQ(off.restore(), ""); // reported once
}

TEST_F(KernelOffloads, AMoveHandsOverTheRestore) {
    set("rx-gro", true);
    std::optional<rx_coalescing_off> kept;
    {
        rx_coalescing_off off(a_);
        kept.emplace(std::move(off));
        EXPECT_EQ(off.restore(), ""); // moved from: nothing to restore
    }
    EXPECT_FALSE(gro_on(a_));
    EXPECT_EQ(kept->turned_off(), std::vector<std::string>{"rx-gro"});
    kept.reset();
    EXPECT_TRUE(gro_on(a_));
}

// No root needed: asking about an interface that is not there.
TEST(KernelOffloadsMissing, AMissingInterfaceIsAClearMessage) {
    rx_coalescing_off by_name(std::string("bhko-missing"));
    EXPECT_EQ(by_name.summary(), "cannot find the kernel interface bhko-missing: No such device");
    EXPECT_EQ(by_name.error(), by_name.summary());
    EXPECT_FALSE(by_name.all_off());
    EXPECT_EQ(by_name.restore(), "");

    rx_coalescing_off by_index(4000000000u);
    EXPECT_EQ(by_index.summary(),
              "cannot find the kernel interface with index 4000000000: No such device");
    EXPECT_TRUE(by_index.turned_off().empty());

    const rx_offloads r = read_rx_offloads("bhko-missing");
    EXPECT_EQ(r.error, "cannot read the offload features of bhko-missing: No such device");
    EXPECT_TRUE(r.features.empty());
}

TEST(KernelOffloadsSummary, SaysWhatStaysOnAndWhy) {
    const std::vector<std::string> none, gro{"rx-gro"}, lro{"rx-lro"};
    EXPECT_EQ(describe_rx_coalescing("bh-hosta", none, none, none, ""),
              "bh-hosta: GRO/LRO already off");
    EXPECT_EQ(describe_rx_coalescing("eth1", none, lro, none, ""),
              "eth1: rx-lro is on and cannot be changed (fixed): super-frames will be segmented in "
              "software");
    EXPECT_EQ(describe_rx_coalescing("eth1", gro, lro, none, ""),
              "eth1: turned off rx-gro (restored at exit); rx-lro is on and cannot be changed "
              "(fixed): super-frames will be segmented in software");
    EXPECT_EQ(describe_rx_coalescing("bh-hosta", none, none, gro,
                                     "Operation not permitted (bridgehost needs CAP_NET_ADMIN)"),
              "bh-hosta: cannot turn off rx-gro: Operation not permitted (bridgehost needs "
              "CAP_NET_ADMIN): super-frames will be segmented in software");
    EXPECT_EQ(describe_rx_coalescing("eth1", none, none, {"rx-gro", "rx-lro"}, ""),
              "eth1: rx-gro, rx-lro stay on (the kernel would not turn them off): super-frames "
              "will be segmented in software");
}

// Read only, no root: every interface here, fixed features included (virtio-net
// shows rx-gro-hw on and fixed), as ethtool -k reports it.
TEST(KernelOffloadsRead, AgreesWithEthtoolOnEveryInterface) {
    if (!run("command -v ethtool"))
        GTEST_SKIP() << "needs ethtool (apt-get install -y ethtool)";
    std::istringstream names(output_of("ls /sys/class/net"));
    int compared = 0;
    for (std::string ifname; names >> ifname;) {
        const rx_offloads r = read_rx_offloads(ifname);
        if (!r.error.empty())
            continue; // gone since ls
        for (const rx_offload& f : r.features) {
            std::string says = ethtool_says(ifname, f.name);
            says = says.substr(0, says.find(" [requested")); // the request, not the state
            if (says.empty())
                continue;
            EXPECT_EQ(says, std::string(f.active ? "on" : "off") + (f.changeable ? "" : " [fixed]"))
                << ifname << " " << f.name;
            ++compared;
        }
    }
    EXPECT_GT(compared, 0);
}

} // namespace
} // namespace bridgehost
