// A cursor into a parsed YAML document that knows its key path and position, so
// that every validation error can point the operator at the exact spot.
#pragma once

#include <yaml-cpp/yaml.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridgehost::yaml {

class reader {
  public:
    /// Parses `text`, which must hold at most one YAML document; syntax errors are
    /// config_errors. An empty text gives a null root.
    static reader load(std::string_view text, const std::string& source);

    const std::string& path() const { return path_; } ///< "ports[1].mtu"; "" at the top
    bool is_null() const { return node_.IsNull(); }
    bool is_list() const { return node_.IsSequence(); }

    /// Throws config_error "SOURCE:LINE:COLUMN: PATH: message" (1-based line and column).
    [[noreturn]] void fail(const std::string& message) const;

    /// Requires a mapping whose keys are unique and each one of `allowed`.
    void expect_mapping(std::initializer_list<std::string_view> allowed) const;
    /// The value under `key` of a mapping; nullopt when the key is absent.
    std::optional<reader> find(std::string_view key) const;
    /// Like find, but a missing key is an error pointing at this mapping.
    reader require(std::string_view key) const;
    /// Requires a list of `what` ("lcore ids") and returns its items.
    std::vector<reader> items(std::string_view what) const;

    /// Any scalar, as written.
    std::string string() const;
    /// An unquoted true or false.
    bool boolean() const;
    /// The value is what boolean() reads (an unquoted true or false).
    bool is_boolean() const;
    /// An unquoted decimal integer in [min, max].
    template <std::unsigned_integral T> T integer(T min, T max) const {
        return static_cast<T>(unsigned_integer(min, max, 1));
    }
    /// An unquoted decimal integer in [min, max] that is a multiple of `step`.
    template <std::unsigned_integral T> T integer(T min, T max, T step) const {
        return static_cast<T>(unsigned_integer(min, max, step));
    }

    /// The value as a message shows it: "\"lots\"", "the quoted string \"32\"",
    /// "a mapping", "nothing".
    std::string describe() const;

  private:
    reader(const YAML::Node& node, std::string path, std::string source, YAML::Mark mark);
    reader child(const YAML::Node& node, std::string path, YAML::Mark fallback) const;
    std::string child_path(std::string_view key) const;
    uint64_t unsigned_integer(uint64_t min, uint64_t max, uint64_t step) const;
    /// "in fdb", "at the top level".
    std::string where() const;

    YAML::Node node_;
    std::string path_;
    std::string source_;
    YAML::Mark mark_; ///< the node's, or its key's when the node has no text of its own
};

} // namespace bridgehost::yaml
