// Starting and stopping the DPDK EAL, with the hugepage checks done first.
#include "control/eal_session.hpp"

#include <fstream>
#include <sstream>

#include <rte_eal.h>
#include <rte_errno.h>

namespace bridgehost {

std::string hugepage_problem() {
    std::ifstream meminfo("/proc/meminfo");
    std::string line;
    long total = -1;
    while (std::getline(meminfo, line))
        if (line.rfind("HugePages_Total:", 0) == 0)
            total = std::stol(line.substr(line.find(':') + 1));
    if (total == 0)
        return "no hugepages are reserved: run 'echo 1024 > /proc/sys/vm/nr_hugepages' "
               "(2 GiB of 2 MiB pages), or set eal.no_huge: true";

    std::ifstream mounts("/proc/mounts");
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string dev, dir, type;
        fields >> dev >> dir >> type;
        if (type == "hugetlbfs")
            return "";
    }
    return "no hugetlbfs is mounted: run 'mkdir -p /dev/hugepages && mount -t hugetlbfs nodev "
           "/dev/hugepages', or set eal.no_huge: true";
}

eal_session::eal_session(const std::string& program, const std::vector<std::string>& args) {
    std::vector<std::string> storage;
    storage.reserve(args.size() + 1);
    storage.push_back(program);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(storage.size()), argv.data()) < 0) {
        std::string cmd;
        for (const std::string& a : args)
            cmd += " " + a;
        throw eal_error(std::string("cannot start DPDK (EAL arguments:") + cmd +
                        "): " + rte_strerror(rte_errno));
    }
}

eal_session::~eal_session() {
    rte_eal_cleanup();
}

} // namespace bridgehost
