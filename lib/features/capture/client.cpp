// bridgehostctl capture: the polling loop and the pcap file (see client.hpp).
#include "features/capture/client.hpp"

#include "common/base64.hpp"
#include "features/capture/pcap_writer.hpp"

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace bridgehost {

using json = nlohmann::json;

namespace {

uint64_t parse_number(const std::string& text, const char* what, uint64_t lo, uint64_t hi) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0 || v < lo || v > hi)
        throw std::invalid_argument(std::string(what) + " takes a number, " + std::to_string(lo) +
                                    ".." + std::to_string(hi));
    return v;
}

/// Closes the file unless it is stdout.
struct output {
    std::FILE* f = nullptr;
    ~output() {
        if (f != nullptr && f != stdout)
            std::fclose(f);
    }
};

} // namespace

capture_options parse_capture(const std::vector<std::string>& w, std::optional<int> seconds) {
    capture_options o;
    o.seconds = seconds;
    if (w.size() < 2 || w[1].rfind("-", 0) == 0)
        throw std::invalid_argument("usage: capture PORT [--direction rx|tx|both] [--count N] "
                                    "[--snaplen BYTES] [--timeout S] -w FILE");
    o.port = w[1];
    for (size_t i = 2; i < w.size(); i += 2) {
        if (i + 1 >= w.size())
            throw std::invalid_argument("unexpected \"" + w[i] + "\"");
        const std::string& v = w[i + 1];
        if (w[i] == "--direction" && (v == "rx" || v == "tx" || v == "both"))
            o.direction = v;
        else if (w[i] == "--direction")
            throw std::invalid_argument("--direction takes rx, tx or both");
        else if (w[i] == "--count")
            o.count = parse_number(v, "--count", 1, 1000000);
        else if (w[i] == "--snaplen")
            o.snaplen = uint32_t(parse_number(v, "--snaplen", 64, 65535));
        else if (w[i] == "-w")
            o.file = v;
        else
            throw std::invalid_argument("unexpected \"" + w[i] + "\"");
    }
    if (o.file.empty())
        throw std::invalid_argument("capture needs -w FILE (- for standard output)");
    return o;
}

int run_capture(const capture_options& o, const capture_request& request, bool as_json) {
    // SIGINT and SIGTERM end the capture cleanly: they are blocked, so a
    // request in flight is never cut, and taken between polls.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    // A reader that goes away (tcpdump -r - quitting) ends the capture through
    // the write error below, with the session stopped, not through SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);

    output out;
    json args = {{"port", o.port}, {"direction", o.direction}, {"count", o.count}};
    if (o.snaplen)
        args["snaplen"] = *o.snaplen;
    const json started = request({{"cmd", "capture start"}, {"args", args}});
    if (!started.at("ok").get<bool>()) {
        std::fprintf(stderr, "bridgehostctl: %s\n", started.value("error", "refused").c_str());
        return 1;
    }
    const uint64_t id = started.at("result").at("id").get<uint64_t>();
    // Opened once the switch said yes, so a refusal leaves no empty file behind.
    out.f = o.file == "-" ? stdout : std::fopen(o.file.c_str(), "wb");
    if (out.f == nullptr) {
        std::fprintf(stderr, "bridgehostctl: cannot write %s: %s\n", o.file.c_str(),
                     std::strerror(errno));
        request({{"cmd", "capture stop"}, {"args", {{"id", id}}}});
        return 1;
    }
    const std::string header = pcap_file_header(started.at("result").at("snaplen").get<uint32_t>());
    std::fwrite(header.data(), 1, header.size(), out.f);
    std::fflush(out.f);

    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(o.seconds.value_or(0));
    std::string error;
    uint64_t written = 0;
    bool stop = false;
    for (;;) {
        const json reply = request({{"cmd", "capture read"}, {"args", {{"id", id}}}});
        if (!reply.at("ok").get<bool>()) {
            error = reply.value("error", "refused");
            break;
        }
        const json& r = reply.at("result");
        for (const json& f : r.at("frames")) {
            const auto data = base64_decode(f.at("data").get<std::string>());
            if (!data)
                throw std::runtime_error("a captured frame is not base64");
            const std::string rec =
                pcap_record(f.at("time_ns").get<uint64_t>(), f.at("orig_len").get<uint32_t>(),
                            data->data(), uint32_t(data->size()));
            std::fwrite(rec.data(), 1, rec.size(), out.f);
            ++written;
        }
        std::fflush(out.f); // a reader of the file (or pipe) sees frames as they come
        if (std::ferror(out.f)) {
            error = "cannot write " + o.file + ": " + std::strerror(errno);
            break;
        }
        if (stop || r.at("done").get<bool>() ||
            (o.seconds && std::chrono::steady_clock::now() >= deadline))
            break;
        // Poll every 100 ms; a stop signal ends the wait, and one more read
        // takes what had arrived by then.
        const timespec pause{0, 100 * 1000 * 1000};
        stop = sigtimedwait(&stop_signals, nullptr, &pause) > 0;
    }
    const json stopped = request({{"cmd", "capture stop"}, {"args", {{"id", id}}}});
    if (!error.empty()) {
        std::fprintf(stderr, "bridgehostctl: %s\n", error.c_str());
        return 1;
    }
    if (!stopped.at("ok").get<bool>()) {
        std::fprintf(stderr, "bridgehostctl: %s\n", stopped.value("error", "refused").c_str());
        return 1;
    }
    json t = stopped.at("result");
    t["written"] = written;
    if (as_json && out.f != stdout) {
        std::printf("%s\n", t.dump(2).c_str());
    } else {
        std::fprintf(stderr,
                     "%" PRIu64 " frames captured on %s (%s), %s copies dropped; written to %s\n",
                     written, o.port.c_str(), o.direction.c_str(), t.at("dropped").dump().c_str(),
                     o.file == "-" ? "stdout" : o.file.c_str());
    }
    return 0;
}

} // namespace bridgehost
