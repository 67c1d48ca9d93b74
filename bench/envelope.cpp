#include "envelope.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <array>

#include "net/http_types.hpp"  // percent_decode

namespace bench {

namespace {

using boost::json::error_code;
using boost::json::string_view;

// Where a value is: the key of each enclosing object by depth (depth 1 is the envelope).
//   _links.next.href                                  depth 3
//   sender[].href                                     depth 3
//   sender[].events[].type                            depth 5
//   sender[].events[].link.rel                        depth 6
//   sender[].events[]._embedded.<first>.direction     depth 7 (state, uri, operationId too)
//   sender[].events[]._embedded.<first>._links.<rel>.href   depth 9
class Reader {
public:
    constexpr static std::size_t max_object_size = std::size_t(-1);
    constexpr static std::size_t max_array_size = std::size_t(-1);
    constexpr static std::size_t max_key_size = std::size_t(-1);
    constexpr static std::size_t max_string_size = std::size_t(-1);

    explicit Reader(Envelope& out) : out_(out) {}

    bool on_document_begin(error_code&) {
        out_.next.clear();
        out_.count = 0;
        depth_ = 0;
        return true;
    }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&) {
        if (!enter(false)) return true;
        if (depth_ == 3 && in_senders()) group_first_ = out_.count, group_href_.clear();
        if (depth_ == 5 && in_events()) {
            if (out_.count == out_.events.size()) out_.events.emplace_back();
            out_.events[out_.count++].clear();
            embedded_seen_ = 0;
        }
        if (depth_ == 7 && in_event() && key(5) == "_embedded" && embedded_seen_++ == 0) current().embedded = true;
        return true;
    }
    bool on_object_end(std::size_t, error_code&) {
        if (depth_ == 3 && in_senders())
            for (std::size_t i = group_first_; i < out_.count; ++i) out_.events[i].sender_href = group_href_;
        leave();
        return true;
    }
    bool on_array_begin(error_code&) {
        enter(true);
        return true;
    }
    bool on_array_end(std::size_t, error_code&) {
        leave();
        return true;
    }

    bool on_key_part(string_view s, std::size_t, error_code&) {
        partial_.append(s.data(), s.size());
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        if (depth_ < kMaxDepth) {
            std::string& k = keys_[depth_];
            k.assign(partial_);
            k.append(s.data(), s.size());
        }
        partial_.clear();
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        partial_.append(s.data(), s.size());
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        if (std::string* field = destination()) {
            field->assign(partial_);
            field->append(s.data(), s.size());
        } else if (depth_ == 9 && in_first_embedded() && key(7) == "_links" && key(9) == "href") {
            std::string href(partial_);
            href.append(s.data(), s.size());
            current().links.emplace_back(key(8), std::move(href));
        }
        partial_.clear();
        return true;
    }

    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t, string_view, error_code&) { return true; }
    bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
    bool on_double(double, string_view, error_code&) { return true; }
    bool on_bool(bool, error_code&) { return true; }
    bool on_null(error_code&) { return true; }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

private:
    static constexpr std::size_t kMaxDepth = 12;  // deeper values are parsed, not read

    bool enter(bool array) {
        ++depth_;
        if (depth_ >= kMaxDepth) return false;
        array_[depth_] = array;
        keys_[depth_].clear();
        return true;
    }
    void leave() { --depth_; }
    std::string_view key(std::size_t depth) const { return keys_[depth]; }

    bool in_senders() const { return depth_ >= 3 && key(1) == "sender" && array_[2] && !array_[3]; }
    bool in_events() const { return depth_ >= 5 && in_senders() && key(3) == "events" && array_[4] && !array_[5]; }
    bool in_event() const { return in_events() && out_.count > 0; }
    bool in_first_embedded() const { return depth_ >= 7 && in_event() && key(5) == "_embedded" && embedded_seen_ == 1; }
    EnvelopeEvent& current() { return out_.events[out_.count - 1]; }

    // The field a string at the current depth and keys goes to, if any.
    std::string* destination() {
        if (depth_ == 3) {
            if (key(1) == "_links" && key(2) == "next" && key(3) == "href") return &out_.next;
            if (in_senders() && key(3) == "href") return &group_href_;
            return nullptr;
        }
        if (depth_ == 5 && in_event() && key(5) == "type") return &current().type;
        if (depth_ == 6 && in_event() && key(5) == "link" && key(6) == "rel") return &current().rel;
        if (depth_ == 7 && in_first_embedded()) {
            const std::string_view k = key(7);
            if (k == "direction") return &current().direction;
            if (k == "state") return &current().state;
            if (k == "uri") return &current().uri;
            if (k == "operationId") return &current().operation_id;
        }
        return nullptr;
    }

    Envelope& out_;
    std::size_t depth_ = 0;
    std::array<std::string, kMaxDepth> keys_;
    std::array<bool, kMaxDepth> array_{};
    std::string partial_;  // a key or string that came in parts
    std::string group_href_;
    std::size_t group_first_ = 0;
    int embedded_seen_ = 0;
};

}  // namespace

std::string_view EnvelopeEvent::link(std::string_view name) const {
    for (const auto& [rel, href] : links)
        if (rel == name) return href;
    return {};
}

void EnvelopeEvent::clear() {
    sender_href.clear();
    rel.clear();
    type.clear();
    embedded = false;
    direction.clear();
    state.clear();
    uri.clear();
    operation_id.clear();
    links.clear();
}

bool parse_envelope(std::string_view text, Envelope& out) {
    // UTF-8 is not validated (a sixth of the parse): the texts the generator checks are
    // compared byte for byte, which catches a mangled one anyway.
    boost::json::parse_options options;
    options.allow_invalid_utf8 = true;
    boost::json::basic_parser<Reader> parser(options, out);
    error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || used != text.size()) {  // not JSON, or something after the document
        out.count = 0;
        return false;
    }
    return true;
}

std::string message_text(const EnvelopeEvent& e) {
    const std::string_view href = e.link("plainMessage");
    const auto comma = href.find(',');
    return comma == std::string_view::npos ? std::string() : carebridge::net::percent_decode(href.substr(comma + 1), false);
}

}  // namespace bench
