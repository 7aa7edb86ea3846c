// The size and nesting limits of a config's text (yaml_bounds.hpp).
#include "config/yaml_bounds.hpp"

#include "config/config.hpp"

#include <vector>

namespace bridgehost::yaml {

namespace {

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/// Walks the text once, tracking what nests: the columns of the block
/// levels open on the way to the current line (each indentation, "- " and
/// "? " opens one) and the flow brackets open. It knows just enough YAML
/// to skip what cannot nest: comments, quoted scalars, block scalars.
class depth_scan {
  public:
    depth_scan(std::string_view text, const std::string& source) : text_(text), source_(source) {}

    void run() {
        while (at_ < text_.size()) {
            if (line_start_)
                start_line();
            else
                step();
        }
    }

  private:
    char peek(size_t ahead = 0) const {
        return at_ + ahead < text_.size() ? text_[at_ + ahead] : '\n';
    }
    void advance() {
        if (text_[at_++] == '\n') {
            ++line_;
            line_start_at_ = at_;
            line_start_ = true;
        }
    }
    void skip_to_line_end() {
        while (at_ < text_.size() && text_[at_] != '\n')
            ++at_;
    }
    [[noreturn]] void fail_at(const std::string& message) const {
        throw config_error(source_ + ":" + std::to_string(line_) + ":" +
                           std::to_string(at_ - line_start_at_ + 1) + ": " + message);
    }
    void check_depth() const {
        if (blocks_.size() + flow_ > kMaxDepth)
            fail_at("lists and mappings nested more than " + std::to_string(kMaxDepth) +
                    " levels deep (bridgehost's own keys go 4 deep)");
    }
    void open_block(size_t column) {
        blocks_.push_back(column);
        check_depth();
    }

    void start_line() {
        line_start_ = false;
        after_quote_ = false;
        expect_node_ = true;
        if (quote_ != 0 || flow_ != 0)
            return; // indentation means nothing inside a quoted scalar or brackets
        size_t indent = 0;
        while (peek(indent) == ' ')
            ++indent;
        const char first = peek(indent);
        const bool empty = first == '\n' || first == '#' || first == '\r';
        if (in_block_scalar_) {
            if (empty || indent > block_scalar_parent_) {
                skip_to_line_end();
                return;
            }
            in_block_scalar_ = false;
        }
        if (empty) {
            skip_to_line_end();
            return;
        }
        line_indent_ = indent;
        at_ += indent;
        while (!blocks_.empty() && blocks_.back() >= indent)
            blocks_.pop_back();
        open_block(indent);
    }

    void step() {
        const char c = text_[at_];
        // YAML allows no other C0 control character; yaml-cpp 0.7 skips a NUL
        // and then loops forever on what follows ("\0,[{", found by fuzz-config).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
            fail_at("syntax error: control character " + std::to_string(unsigned(c)) +
                    " (YAML allows tab, line feed and carriage return only)");
        if (quote_ != 0) {
            if (quote_ == '"' && c == '\\' && peek(1) != '\n')
                ++at_; // the escaped character
            else if (c == quote_ && quote_ == '\'' && peek(1) == '\'')
                ++at_; // '' inside single quotes
            else if (c == quote_) {
                quote_ = 0;
                after_quote_ = flow_ == 0;
            }
            advance();
            return;
        }
        if (blank(c) || c == '\n') {
            advance();
            return;
        }
        const bool after_blank = at_ == line_start_at_ || blank(text_[at_ - 1]);
        if (c == '#' && after_blank) {
            skip_to_line_end();
            return;
        }
        // Outside brackets a quoted scalar is a whole value or a key: only ':'
        // (or a comment, or the line's end) may follow it. yaml-cpp 0.7 loops
        // forever on "'',\n" and the like (found by fuzz-config).
        if (after_quote_) {
            after_quote_ = false;
            if (c != ':')
                fail_at(std::string("syntax error: '") + c +
                        "' after a quoted value (only ':' or a comment may follow it here)");
        }
        const bool node_here = expect_node_;
        expect_node_ = false;
        switch (c) {
        case '[':
        case '{':
            ++flow_;
            check_depth();
            expect_node_ = true;
            break;
        case ']':
        case '}':
            if (flow_ != 0)
                --flow_;
            break;
        case ',':
            // Invalid YAML, on which yaml-cpp 0.7's LoadAll loops forever
            // (",[" was enough; found by fuzz-config).
            if (node_here && flow_ == 0)
                fail_at("syntax error: ',' outside [ ] or { } cannot start a value");
            expect_node_ = flow_ != 0;
            break;
        case '"':
        case '\'':
            if (node_here)
                quote_ = c;
            break;
        case '-':
        case '?':
        case ':':
            if (blank(peek(1)) || peek(1) == '\n') {
                expect_node_ = true;
                if (c != ':' && node_here && flow_ == 0)
                    open_block(at_ - line_start_at_ + 1); // "- - x": compact nesting
            }
            break;
        case '|':
        case '>':
            if (node_here && flow_ == 0 && block_scalar_header()) {
                in_block_scalar_ = true;
                block_scalar_parent_ = line_indent_;
                skip_to_line_end();
                return;
            }
            break;
        default:
            break;
        }
        advance();
    }

    /// At '|' or '>': the rest of the line is a block scalar's header
    /// (indentation and chomping indicators, then a comment or nothing).
    bool block_scalar_header() const {
        size_t i = 1;
        while (peek(i) == '+' || peek(i) == '-' || (peek(i) >= '1' && peek(i) <= '9'))
            ++i;
        while (blank(peek(i)))
            ++i;
        return peek(i) == '\n' || (peek(i) == '#' && blank(peek(i - 1)));
    }

    std::string_view text_;
    const std::string& source_;
    size_t at_ = 0;
    size_t line_ = 1;
    size_t line_start_at_ = 0;
    bool line_start_ = true;
    bool expect_node_ = true;    ///< the next character may start a node (a quote opens a scalar)
    char quote_ = 0;             ///< '"' or '\'' inside a quoted scalar
    bool after_quote_ = false;   ///< a quoted scalar closed outside brackets on this line
    unsigned flow_ = 0;          ///< brackets open
    std::vector<size_t> blocks_; ///< columns of the open block levels, at most kMaxDepth
    size_t line_indent_ = 0;
    bool in_block_scalar_ = false;
    size_t block_scalar_parent_ = 0; ///< lines indented more than this belong to the scalar
};

} // namespace

void check_bounds(std::string_view text, const std::string& source) {
    if (text.size() > kMaxTextBytes) {
        size_t line = 1, line_start = 0;
        for (size_t i = 0; i < kMaxTextBytes; ++i)
            if (text[i] == '\n') {
                ++line;
                line_start = i + 1;
            }
        throw config_error(source + ":" + std::to_string(line) + ":" +
                           std::to_string(kMaxTextBytes - line_start + 1) +
                           ": the file goes on past " + std::to_string(kMaxTextBytes) +
                           " bytes (1 MiB), more than any config needs");
    }
    depth_scan(text, source).run();
}

} // namespace bridgehost::yaml
