#pragma once
// The talk scenarios' message text and the receiver's checks, the same against carebridge
// (talk.cpp) and ejabberd (xmpp.cpp): "cb.<chat>.<v|a>.<seq>.<send time us>." padded with 'x'.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core.hpp"
#include "flow.hpp"
#include "report.hpp"

namespace bench {

// Only URL-unreserved characters, so the text arrives in a data: URI unchanged.
std::string message_text(int chat, int dir, std::uint64_t seq, Micros sent, int size);

struct TalkText {
    int chat = -1;
    char dir = 0;  // 'v' (sent by the visitor) or 'a' (by the agent)
    std::uint64_t seq = 0;
    Micros sent = 0;
};
std::optional<TalkText> parse_message_text(std::string_view text);

// What the receivers saw, in the measured window and overall.
struct TalkTally {
    Micros window_start = 0, window_end = 0;
    Samples latency;
    std::uint64_t received = 0, delivered_in_window = 0;
    std::uint64_t duplicated = 0, reordered = 0, misrouted = 0, malformed = 0;
    int senders = 0;
    bool in_window(Micros t) const { return t >= window_start && t < window_end; }
    // Sets the measured window (after `warmup` s from `start`) and returns each sender's
    // interval for `rate` messages/s in all.
    Micros schedule(double rate, Micros start, double warmup, double duration) {
        window_start = start + static_cast<Micros>(warmup * 1e6);
        window_end = window_start + static_cast<Micros>(duration * 1e6);
        return static_cast<Micros>(senders / rate * 1e6);
    }

    // One arrival at a receiver of chat `chat_index` that hears `expected` ('v' or 'a'):
    // misrouted, never sent, duplicated, reordered, or counted with its latency.
    void arrival(std::array<Flow, 2>& flows, int chat_index, char expected, const TalkText& m, Micros at);

    // The rows both talk scenarios report: sent and delivered rates, delivery latency, lost,
    // duplicated, reordered, misrouted.
    void report_delivery(Report& report, double rate, int senders, double duration,
                         std::uint64_t sent_in_window, std::uint64_t lost);  // sorts the samples
    bool clean(std::uint64_t lost) const { return lost + duplicated + reordered + misrouted + malformed == 0; }
};

// Messages answered as sent but never received (after the drain), over chats' flows.
template <class Chats>
std::uint64_t lost_messages(const Chats& chats) {
    std::uint64_t lost = 0;
    for (const auto& c : chats)
        for (const auto& f : c->flows)
            for (auto s : f.seqs) lost += (s & Flow::sent) && !(s & Flow::received);
    return lost;
}

}  // namespace bench
