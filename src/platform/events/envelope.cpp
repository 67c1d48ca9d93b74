#include "platform/events/envelope.hpp"

#include "platform/events/json_text.hpp"

namespace carebridge::platform {

namespace {
// Event bodies are stored pre-rendered; the envelope is assembled by concatenation so a
// batch costs no JSON re-serialisation per reader.
void append_quoted(std::string& out, std::string_view s) {
    append_json_string(out, s);
}
}  // namespace

std::string render_envelope(const std::vector<const StoredEvent*>& events,
                            std::string_view self_href, std::string_view next_href,
                            std::string_view baseuri) {
    std::string out;
    std::size_t size = 128 + self_href.size() + next_href.size();
    for (const auto* e : events) size += e->json.size() + e->sender_href.size() + 64;
    out.reserve(size);
    out += R"({"_links":{"self":{"href":)";
    append_quoted(out, self_href);
    out += R"(},"next":{"href":)";
    append_quoted(out, next_href);
    out += R"(}},"sender":[)";
    const StoredEvent* group = nullptr;
    for (const auto* e : events) {
        const bool same = group && group->sender_rel == e->sender_rel &&
                          group->sender_href == e->sender_href;
        if (!same) {
            if (group) out += "]},";
            out += R"({"rel":)";
            append_quoted(out, e->sender_rel);
            out += R"(,"href":)";
            append_quoted(out, e->sender_href);
            out += R"(,"events":[)";
            group = e;
        } else {
            out += ',';
        }
        out += e->json;
    }
    if (group) out += "]}";
    out += ']';
    if (!baseuri.empty()) {
        out += R"(,"baseuri":)";
        append_quoted(out, baseuri);
    }
    out += '}';
    return out;
}

}  // namespace carebridge::platform
