// Typed, position-aware access to YAML nodes for the config parser.
#include "config/yaml_reader.hpp"

#include "config/config.hpp"
#include "config/yaml_bounds.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

namespace bridgehost::yaml {

namespace {

// yaml-cpp marks are 0-based and null for nodes it made up (an empty document).
std::string position(const std::string& source, const YAML::Mark& mark) {
    const int line = mark.is_null() ? 1 : mark.line + 1;
    const int column = mark.is_null() ? 1 : mark.column + 1;
    return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// yaml-cpp tags quoted scalars "!" and plain ones "?": only plain ones may be numbers.
bool is_plain_scalar(const YAML::Node& node) {
    return node.IsScalar() && node.Tag() == "?";
}

// An unquoted true or false (YAML 1.2's core schema; not yes, no, on, off).
std::optional<bool> plain_boolean(const YAML::Node& node) {
    if (!is_plain_scalar(node))
        return std::nullopt;
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE")
        return true;
    if (text == "false" || text == "False" || text == "FALSE")
        return false;
    return std::nullopt;
}

/// Parser events that only note where the last document started.
struct document_start : YAML::EventHandler {
    YAML::Mark mark = YAML::Mark::null_mark();
    void OnDocumentStart(const YAML::Mark& m) override { mark = m; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

std::string join(std::initializer_list<std::string_view> words) {
    std::string joined;
    for (std::string_view word : words)
        joined.append(joined.empty() ? "" : ", ").append(word);
    return joined;
}

} // namespace

reader::reader(const YAML::Node& node, std::string path, std::string source, YAML::Mark mark)
    : node_(node), path_(std::move(path)), source_(std::move(source)), mark_(mark) {}

reader reader::load(std::string_view text, const std::string& source) {
    check_bounds(text, source); // before yaml-cpp, which recurses on nesting
    // Not YAML::LoadAll: on text its parser cannot consume (",[", "'',",
    // "!:a:b, c", found by fuzz-config), yaml-cpp 0.7 reports an empty document
    // there, again and again, and LoadAll loops forever collecting them. So the
    // first document is loaded alone, and a second is only looked for: one
    // more document of any kind, real or not, is refused.
    const std::string copy(text);
    YAML::Node document;
    document_start second;
    bool more = false;
    try {
        document = YAML::Load(copy);
        std::istringstream in(copy);
        YAML::Parser parser(in);
        document_start first;
        more = parser.HandleNextDocument(first) && parser.HandleNextDocument(second);
    } catch (const YAML::ParserException& e) {
        throw config_error(position(source, e.mark) + ": syntax error: " + e.msg);
    }
    if (more)
        throw config_error(position(source, second.mark) +
                           ": found a second YAML document, or text after the first that is "
                           "not YAML; a config is a single document");
    return reader(document, "", source, document.Mark());
}

reader reader::child(const YAML::Node& node, std::string path, YAML::Mark fallback) const {
    // An empty value ("mtu:") has no text; yaml-cpp marks it at the next token,
    // which may be lines away, so point at its key instead.
    const YAML::Mark mark = node.IsNull() || node.Mark().is_null() ? fallback : node.Mark();
    return reader(node, std::move(path), source_, mark);
}

void reader::fail(const std::string& message) const {
    throw config_error(position(source_, mark_) + ": " + (path_.empty() ? "(top level)" : path_) +
                       ": " + message);
}

std::string reader::child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string reader::where() const {
    return path_.empty() ? "at the top level" : "in " + path_;
}

void reader::expect_mapping(std::initializer_list<std::string_view> allowed) const {
    if (!node_.IsMap())
        fail("expected a mapping with keys " + join(allowed) + ", got " + describe());
    std::vector<std::pair<std::string, YAML::Mark>> seen;
    for (const auto& entry : node_) {
        const YAML::Node& key = entry.first;
        if (!key.IsScalar()) {
            const reader odd_key = child(key, path_, key.Mark());
            odd_key.fail("expected a key name, got " + odd_key.describe());
        }
        const std::string& name = key.Scalar();
        const reader key_reader = child(key, child_path(name), key.Mark());
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            key_reader.fail("unknown key \"" + name + "\" " + where() +
                            " (expected one of: " + join(allowed) + ")");
        const auto earlier = std::find_if(seen.begin(), seen.end(),
                                          [&](const auto& item) { return item.first == name; });
        if (earlier != seen.end())
            key_reader.fail("duplicate key \"" + name + "\" " + where() + " (first at " +
                            position(source_, earlier->second) + ")");
        seen.emplace_back(name, key.Mark());
    }
}

std::optional<reader> reader::find(std::string_view key) const {
    if (!node_.IsMap())
        return std::nullopt;
    for (const auto& entry : node_) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) {
            return child(entry.second, child_path(key), entry.first.Mark());
        }
    }
    return std::nullopt;
}

reader reader::require(std::string_view key) const {
    std::optional<reader> value = find(key);
    if (!value)
        fail("missing required key \"" + std::string(key) + "\"");
    return *value;
}

std::vector<reader> reader::items(std::string_view what) const {
    if (!node_.IsSequence())
        fail("expected a list of " + std::string(what) + ", got " + describe());
    std::vector<reader> items;
    for (const YAML::Node& item : node_)
        items.push_back(child(item, path_ + "[" + std::to_string(items.size()) + "]", mark_));
    return items;
}

std::string reader::string() const {
    if (!node_.IsScalar())
        fail("expected a string, got " + describe());
    return node_.Scalar();
}

bool reader::boolean() const {
    if (const std::optional<bool> value = plain_boolean(node_))
        return *value;
    fail("expected true or false, got " + describe());
}

bool reader::is_boolean() const {
    return plain_boolean(node_).has_value();
}

uint64_t reader::unsigned_integer(uint64_t min, uint64_t max, uint64_t step) const {
    if (is_plain_scalar(node_)) {
        const std::string& text = node_.Scalar();
        uint64_t value = 0;
        // from_chars takes neither sign nor "0x", so "-1" and "1.5" stop early.
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size() && value >= min &&
            value <= max && value % step == 0)
            return value;
    }
    fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
         (step > 1 ? " in steps of " + std::to_string(step) : std::string()) + ", got " +
         describe());
}

std::string reader::describe() const {
    if (node_.IsMap())
        return "a mapping";
    if (node_.IsSequence())
        return "a list";
    if (!node_.IsScalar())
        return "nothing";
    const std::string quoted = "\"" + node_.Scalar() + "\"";
    return is_plain_scalar(node_) ? quoted : "the quoted string " + quoted;
}

} // namespace bridgehost::yaml
