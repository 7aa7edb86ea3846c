// The EAL side of the config: the argv that starts DPDK, and the --lcores syntax.
#include "config/config.hpp"
#include "config/device_args.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace bridgehost {

namespace {

constexpr unsigned kMaxCpuId = 1023; // CPU_SETSIZE - 1: the EAL keeps cpus in a cpu_set_t

// Recursive descent over the EAL --lcores grammar:
//   list  := item (',' item)*          item := set ('@' set)?
//   set   := range | '(' range (',' range)* ')'
//   range := number ('-' number)?
// The EAL also skips blanks; we do not, since a config has no reason to contain them.
class lcore_list_parser {
  public:
    explicit lcore_list_parser(std::string_view text) : text_(text) {}

    std::vector<unsigned> lcore_ids() {
        std::vector<unsigned> ids;
        do {
            for (unsigned id : set(kMaxLcoreId, "lcore"))
                if (std::find(ids.begin(), ids.end(), id) == ids.end())
                    ids.push_back(id);
            if (accept('@'))
                set(kMaxCpuId, "cpu");
        } while (accept(','));
        if (at_ != text_.size())
            fail("unexpected '" + std::string(1, text_[at_]) + "'");
        return ids;
    }

  private:
    std::vector<unsigned> set(unsigned max, const char* what) {
        if (!accept('('))
            return range(max, what);
        std::vector<unsigned> ids;
        do {
            const std::vector<unsigned> more = range(max, what);
            ids.insert(ids.end(), more.begin(), more.end());
        } while (accept(','));
        if (!accept(')'))
            fail("expected ')'");
        return ids;
    }

    std::vector<unsigned> range(unsigned max, const char* what) {
        const unsigned first = number(max, what);
        const unsigned last = accept('-') ? number(max, what) : first;
        if (last < first)
            fail("the range " + std::to_string(first) + "-" + std::to_string(last) +
                 " runs backwards");
        std::vector<unsigned> ids;
        for (unsigned id = first; id <= last; ++id)
            ids.push_back(id);
        return ids;
    }

    unsigned number(unsigned max, const char* what) {
        unsigned value = 0;
        const char* begin = text_.data() + at_;
        const auto [end, error] = std::from_chars(begin, text_.data() + text_.size(), value);
        if (end == begin)
            fail("expected a number");
        if (error != std::errc() || value > max)
            fail(std::string(what) + " " + std::string(begin, end) + " is above " +
                 std::to_string(max));
        at_ += static_cast<size_t>(end - begin);
        return value;
    }

    bool accept(char c) {
        if (at_ >= text_.size() || text_[at_] != c)
            return false;
        ++at_;
        return true;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument(what + " at character " + std::to_string(at_ + 1));
    }

    std::string_view text_;
    size_t at_ = 0; ///< next character to read
};

} // namespace

std::vector<unsigned> eal_lcore_ids(std::string_view lcores) {
    return lcore_list_parser(lcores).lcore_ids();
}

std::vector<std::string> eal_arguments(const config& cfg) {
    const std::string control = std::to_string(cfg.control.lcore);
    std::vector<std::string> args;
    if (cfg.eal.lcores) {
        args.insert(args.end(), {"--lcores", *cfg.eal.lcores});
    } else {
        std::string lcores = control;
        for (unsigned worker : cfg.workers.lcores)
            lcores += "," + std::to_string(worker);
        args.insert(args.end(), {"-l", lcores});
    }
    args.insert(args.end(), {"--main-lcore", control});
    if (cfg.eal.memory_mb)
        args.insert(args.end(), {"-m", std::to_string(*cfg.eal.memory_mb)});
    if (cfg.eal.no_huge)
        args.push_back("--no-huge");
    args.insert(args.end(), {"--file-prefix", cfg.eal.file_prefix});
    // Without -a the EAL would probe every PCI NIC bound to DPDK, not just ours.
    bool any_pci = false;
    for (const port_config& port : cfg.ports) {
        if (port.is_pci())
            args.insert(args.end(), {"-a", port.dpdk_name()});
        else
            args.insert(args.end(), {"--vdev", eal_device(port)});
        any_pci = any_pci || port.is_pci();
    }
    if (!any_pci)
        args.push_back("--no-pci");
    args.insert(args.end(), cfg.eal.args.begin(), cfg.eal.args.end());
    return args;
}

} // namespace bridgehost
