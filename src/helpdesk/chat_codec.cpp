#include "helpdesk/chat_codec.hpp"

#include <chrono>

#include <boost/json.hpp>

namespace carebridge::helpdesk {

namespace json = boost::json;

namespace {
constexpr std::int64_t kVersion = 1;

json::object command_json(const Command& c) {
    return {{"what", static_cast<int>(c.what)}, {"op", c.op}, {"text", c.text}, {"agent", c.agent}};
}

Command command_of(const json::value& v) {
    const auto& o = v.as_object();
    const auto what = o.at("what").to_number<int>();
    if (what < static_cast<int>(Do::start_meeting) || what > static_cast<int>(Do::forget))
        throw std::invalid_argument("unknown command");
    return {static_cast<Do>(what), json::value_to<std::string>(o.at("op")), json::value_to<std::string>(o.at("text")),
            json::value_to<std::string>(o.at("agent"))};
}

std::string str(const json::object& o, std::string_view key) { return json::value_to<std::string>(o.at(key)); }

sdk::Resource resource_of(const json::object& o, std::string_view key) {
    return sdk::Resource(o.at(key).as_object());
}
}  // namespace

// Chat's private state is reached through this friend only.
struct ChatCodec {
    static json::object save(const Chat& c) {
        json::array left;
        for (const auto& a : c.left_) left.emplace_back(a);
        const auto& i = c.info_;
        return {{"id", i.id}, {"queue", i.queue}, {"queueDisplay", i.queue_display}, {"visitor", i.visitor},
                {"subject", i.subject}, {"order", i.order}, {"phase", static_cast<int>(c.phase_)},
                {"visitorGone", c.visitor_gone_}, {"pending", c.pending_}, {"agent", c.agent_},
                {"left", std::move(left)},
                {"waitingSince", std::chrono::duration_cast<std::chrono::milliseconds>(
                                     c.waiting_since_.time_since_epoch()).count()},
                {"announced", c.announced_}, {"seq", c.seq_}};
    }

    static ChatInfo info(const json::object& o) {
        return {str(o, "id"), str(o, "queue"), str(o, "queueDisplay"), str(o, "visitor"), str(o, "subject"),
                o.at("order").to_number<std::uint64_t>()};
    }

    static void restore(Chat& c, const json::object& o) {
        const auto phase = o.at("phase").to_number<int>();
        if (phase < 0 || phase > static_cast<int>(Phase::closed)) throw std::invalid_argument("unknown phase");
        c.phase_ = static_cast<Phase>(phase);
        c.visitor_gone_ = o.at("visitorGone").as_bool();
        c.pending_ = str(o, "pending");
        c.agent_ = str(o, "agent");
        for (const auto& a : o.at("left").as_array()) c.left_.insert(json::value_to<std::string>(a));
        c.waiting_since_ = TimePoint(std::chrono::milliseconds(o.at("waitingSince").to_number<std::int64_t>()));
        c.announced_ = o.at("announced").to_number<int>();
        c.seq_ = o.at("seq").to_number<int>();
    }
};

std::string encode_chat(const LiveChat& chat) {
    json::object participants;
    for (const auto& [href, uri] : chat.participants) participants[href] = uri;
    json::array outbox;
    for (const auto& c : chat.outbox) outbox.push_back(command_json(c));
    json::object o{{"version", kVersion},
                   {"machine", ChatCodec::save(chat.machine)},
                   {"invitation", chat.invitation.json()},
                   {"meeting", chat.meeting.json()},
                   {"messaging", chat.messaging.json()},
                   {"bridge", chat.bridge.json()},
                   {"meetingUri", chat.meeting_uri},
                   {"bridged", chat.bridged},
                   {"participants", std::move(participants)},
                   {"outbox", std::move(outbox)}};
    if (chat.running) o["running"] = command_json(*chat.running);
    return json::serialize(o);
}

std::unique_ptr<LiveChat> decode_chat(std::string_view data, const Settings& settings) {
    try {
        const auto o = json::parse(data).as_object();
        if (o.at("version").to_number<std::int64_t>() != kVersion) return nullptr;
        const auto& m = o.at("machine").as_object();
        auto chat = std::make_unique<LiveChat>(ChatCodec::info(m), settings);
        ChatCodec::restore(chat->machine, m);
        chat->invitation = resource_of(o, "invitation");
        chat->meeting = resource_of(o, "meeting");
        chat->messaging = resource_of(o, "messaging");
        chat->bridge = resource_of(o, "bridge");
        chat->meeting_uri = str(o, "meetingUri");
        chat->bridged = o.at("bridged").as_bool();
        for (const auto& [href, uri] : o.at("participants").as_object())
            chat->participants[std::string(href)] = json::value_to<std::string>(uri);
        for (const auto& c : o.at("outbox").as_array()) chat->outbox.push_back(command_of(c));
        if (auto it = o.find("running"); it != o.end()) chat->running = command_of(it->value());
        return chat;
    } catch (const std::exception&) {  // parse errors, missing keys, wrong types
        return nullptr;
    }
}

}  // namespace carebridge::helpdesk
