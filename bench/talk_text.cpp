#include "talk_text.hpp"

#include <charconv>

namespace bench {

std::string message_text(int chat, int dir, std::uint64_t seq, Micros sent, int size) {
    std::string t = "cb." + std::to_string(chat) + (dir == 0 ? ".v." : ".a.") + std::to_string(seq) + "." +
                    std::to_string(sent) + ".";
    if (t.size() < static_cast<std::size_t>(size)) t.append(static_cast<std::size_t>(size) - t.size(), 'x');
    return t;
}

namespace {
template <class T>
bool field(std::string_view& rest, T& out) {
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + dot, out);
    rest.remove_prefix(dot + 1);
    return ec == std::errc{} && p == rest.data() - 1;
}
}  // namespace

std::optional<TalkText> parse_message_text(std::string_view rest) {
    TalkText m;
    if (rest.substr(0, 3) != "cb.") return std::nullopt;
    rest.remove_prefix(3);
    if (!field(rest, m.chat) || rest.size() < 2 || rest[1] != '.') return std::nullopt;
    m.dir = rest[0];
    rest.remove_prefix(2);
    if (!field(rest, m.seq) || !field(rest, m.sent)) return std::nullopt;
    return m;
}

void TalkTally::arrival(std::array<Flow, 2>& flows, int chat_index, char expected, const TalkText& m, Micros at) {
    if (m.chat != chat_index || m.dir != expected) {
        ++misrouted;
        return;
    }
    Flow& f = flows[m.dir == 'v' ? 0 : 1];
    if (m.seq >= f.seqs.size()) {
        ++malformed;  // never sent
        return;
    }
    if (f.seqs[m.seq] & Flow::received) {
        ++duplicated;
        return;
    }
    f.seqs[m.seq] |= Flow::received;
    ++received;
    if (static_cast<std::int64_t>(m.seq) < f.max_received) ++reordered;
    else f.max_received = static_cast<std::int64_t>(m.seq);
    if (in_window(m.sent)) latency.add(at - m.sent);
    if (in_window(at)) ++delivered_in_window;
}

void TalkTally::report_delivery(Report& report, double rate, int senders, double duration,
                                std::uint64_t sent_in_window, std::uint64_t lost) {
    report.metric("senders", senders, "(a visitor and an agent per chat)");
    report.metric("target rate", rate, "messages/s");
    report.metric("measured window", duration, "s", 1);
    report.metric("sent", static_cast<double>(sent_in_window) / duration, "messages/s", 0);
    report.metric("delivered", static_cast<double>(delivered_in_window) / duration, "messages/s", 0);
    report.metric("latency p50", latency.percentile(50), "ms", 2);
    report.metric("latency p99", latency.percentile(99), "ms", 2);
    report.metric("latency p999", latency.percentile(99.9), "ms", 2);
    report.metric("latency max", latency.percentile(100), "ms", 2);
    report.metric("lost", static_cast<double>(lost), "");
    report.metric("duplicated", static_cast<double>(duplicated), "");
    report.metric("reordered", static_cast<double>(reordered), "");
    report.metric("misrouted", static_cast<double>(misrouted + malformed), "");
}

}  // namespace bench
