#include "sdk/events.hpp"

#include <array>
#include <charconv>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace carebridge::sdk {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, Subject>, 11> kSubjects{{
    {"messagingInvitation", Subject::messaging_invitation},
    {"onlineMeetingInvitation", Subject::online_meeting_invitation},
    {"participantInvitation", Subject::participant_invitation},
    {"conversation", Subject::conversation},
    {"conversationBridge", Subject::conversation_bridge},
    {"bridgedParticipant", Subject::bridged_participant},
    {"participant", Subject::participant},
    {"participantMessaging", Subject::participant_messaging},
    {"messaging", Subject::messaging},
    {"message", Subject::message},
    {"onlineMeeting", Subject::online_meeting},
}};

std::string str(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}
const json::object* obj(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? &v->get_object() : nullptr;
}
std::string href_of(const json::object& o, std::string_view key) {
    const auto* l = obj(o, key);
    return l ? str(*l, "href") : std::string();
}

// FNV-1a over the event's canonical JSON: cheap, and only ever compared for the same position.
std::string digest_of(const json::object& e) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : json::serialize(e)) h = (h ^ c) * 1099511628211ull;
    return std::to_string(h);
}

Result<Event> parse_event(const json::object& e, const std::string& sender_rel, const std::string& sender_href) {
    const auto* link = obj(e, "link");
    if (!link) return protocol_error("an event without a link");
    Event ev;
    ev.sender_rel = sender_rel;
    ev.sender_href = sender_href;
    ev.rel = str(*link, "rel");
    ev.href = str(*link, "href");
    ev.title = str(*link, "title");
    ev.subject = subject_of(ev.rel);
    if (const auto* in = obj(e, "in")) {
        ev.in_rel = str(*in, "rel");
        ev.in_href = str(*in, "href");
    }
    ev.type = event_type_of(str(e, "type"));
    ev.status = str(e, "status");
    if (const auto* reason = obj(e, "reason"))
        ev.reason = Error{ErrorKind::platform, 0, str(*reason, "code"), str(*reason, "subcode"), str(*reason, "message")};
    if (const auto* emb = obj(e, "_embedded"); emb && !emb->empty()) {
        // One embedded resource per event: the one the link names.
        const auto& first = *emb->begin();
        if (first.value().is_object()) ev.resource = Resource(first.value().get_object());
    }
    ev.digest = digest_of(e);
    return ev;
}

}  // namespace

Subject subject_of(std::string_view rel) {
    if (rel.starts_with(kSaasPrefix)) rel.remove_prefix(kSaasPrefix.size());
    for (const auto& [name, subject] : kSubjects)
        if (name == rel) return subject;
    return Subject::other;
}

EventType event_type_of(std::string_view type) {
    if (type == "added") return EventType::added;
    if (type == "updated") return EventType::updated;
    if (type == "deleted") return EventType::deleted;
    if (type == "started") return EventType::started;
    if (type == "completed") return EventType::completed;
    return EventType::other;
}

std::uint64_t ack_of(std::string_view href) {
    const auto q = href.find('?');
    if (q == std::string_view::npos) return 0;
    std::string_view query = href.substr(q + 1);
    for (std::size_t pos = 0; pos < query.size();) {
        const auto amp = query.find('&', pos);
        const std::string_view pair = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
        if (pair.starts_with("ack=")) {
            std::uint64_t n = 0;
            const auto digits = pair.substr(4);
            const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            return ec == std::errc{} && ptr == digits.data() + digits.size() ? n : 0;
        }
        if (amp == std::string_view::npos) break;
        pos = amp + 1;
    }
    return 0;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_positions(std::string_view header) {
    const auto dash = header.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    std::uint64_t first = 0, last = 0;
    const auto a = header.substr(0, dash), b = header.substr(dash + 1);
    const auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), first);
    const auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), last);
    if (ea != std::errc{} || eb != std::errc{} || pa != a.data() + a.size() || pb != b.data() + b.size() ||
        first == 0 || last < first)
        return std::nullopt;
    return std::pair{first, last};
}

std::optional<std::vector<std::uint64_t>> parse_position_list(std::string_view header, std::size_t max) {
    std::vector<std::uint64_t> out;
    for (std::size_t pos = 0;;) {
        const auto comma = header.find(',', pos);
        const auto range = parse_positions(header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        if (!range || (!out.empty() && range->first <= out.back()) || range->second - range->first >= max - out.size())
            return std::nullopt;
        for (std::uint64_t p = range->first; p <= range->second; ++p) out.push_back(p);
        if (comma == std::string_view::npos) return out;
        pos = comma + 1;
    }
}

Result<EventBatch> parse_envelope(std::string_view body, std::optional<std::uint64_t> first_position) {
    boost::system::error_code ec;
    auto v = json::parse(strip_bom(body), ec);
    if (ec || !v.is_object()) return protocol_error("the event envelope is not a JSON object");
    const auto& root = v.get_object();
    EventBatch batch;
    if (const auto* links = obj(root, "_links")) {
        batch.self_href = href_of(*links, "self");
        batch.next_href = href_of(*links, "next");
    }
    batch.baseuri = str(root, "baseuri");
    batch.first = first_position ? *first_position : ack_of(batch.self_href);
    if (const auto* senders = root.if_contains("sender")) {
        if (!senders->is_array()) return protocol_error("'sender' is not an array");
        for (const auto& s : senders->get_array()) {
            if (!s.is_object()) return protocol_error("a sender is not an object");
            const auto& sender = s.get_object();
            const auto* events = sender.if_contains("events");
            if (!events || !events->is_array()) return protocol_error("a sender without events");
            for (const auto& e : events->get_array()) {
                if (!e.is_object()) return protocol_error("an event is not an object");
                auto ev = parse_event(e.get_object(), str(sender, "rel"), str(sender, "href"));
                if (!ev) return ev.error();
                batch.events.push_back(std::move(*ev));
            }
        }
    }
    if (batch.first != 0)
        for (std::size_t i = 0; i < batch.events.size(); ++i) batch.events[i].position = batch.first + i;
    return batch;
}

}  // namespace carebridge::sdk
