#include "bosh.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace bench {

namespace {
constexpr std::string_view kHttpBind = "http://jabber.org/protocol/httpbind";
const Headers kXml{{"Content-Type", "text/xml; charset=utf-8"}};

std::uint64_t first_rid() {
    static std::mt19937_64 rng(std::random_device{}());
    return 1'000'000 + rng() % 1'000'000'000'000ULL;  // room for many requests below 2^53
}
}  // namespace

BoshSession::BoshSession(asio::io_context& ioc, const Target& target, const BoshConfig& config, BoshStats& stats)
    : target_(target),
      config_(config),
      stats_(stats),
      conns_{Conn(ioc, target), Conn(ioc, target)},
      gap_timer_(ioc),
      inbox_timer_(ioc) {}

std::string BoshSession::wrap(const std::string& payload, bool restart) const {
    std::string b = "<body rid='" + std::to_string(rid_) + "' sid='" + sid_ + "' xmlns='" + std::string(kHttpBind) + "'";
    if (restart)
        b += " to='" + xml_escape(config_.domain) + "' xml:lang='en' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'";
    if (payload.empty()) return b + "/>";
    return b + ">" + payload + "</body>";
}

asio::awaitable<bool> BoshSession::create() {
    rid_ = first_rid();
    next_deliver_ = rid_ + 1;
    const std::string body = "<body content='text/xml; charset=utf-8' hold='1' rid='" + std::to_string(rid_) +
                             "' to='" + xml_escape(config_.domain) + "' ver='1.6' wait='" + std::to_string(config_.wait) +
                             "' xml:lang='en' xmpp:version='1.0' xmlns='" + std::string(kHttpBind) +
                             "' xmlns:xmpp='urn:xmpp:xbosh'/>";
    busy_[0] = true;
    ++outstanding_;
    ++stats_.requests;
    Reply r = co_await conns_[0].request("POST", config_.path, kXml, body, std::chrono::seconds(config_.wait + 10));
    busy_[0] = false;
    --outstanding_;
    auto root = r.status == 200 ? parse_xml(r.body) : std::nullopt;
    if (!root || root->attr("sid").empty()) {
        fail("session creation: " + (r.status ? "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 200) : r.error));
        co_return false;
    }
    ++stats_.answers;
    sid_ = std::string(root->attr("sid"));
    for (auto& c : root->children) inbox_.push_back(std::move(c));
    post_kick();
    co_return true;
}

void BoshSession::send(std::string stanza) {
    queue_ += stanza;
    kick();
}

void BoshSession::restart() {
    restart_ = true;
    kick();
}

void BoshSession::kick() {
    if (dead_ || closing_ || sid_.empty() || !written_) return;
    const bool payload = !queue_.empty() || restart_;
    if (!(outstanding_ == 0 || (outstanding_ == 1 && payload))) return;
    if (outstanding_ == 1) {
        const Micros ready = written_at_ + config_.gap;
        if (now_us() < ready) {
            if (!gap_armed_) {
                gap_armed_ = true;
                gap_timer_.expires_at(at_us(ready));
                gap_timer_.async_wait([this](const boost::system::error_code& ec) {
                    gap_armed_ = false;
                    if (!ec) kick();
                });
            }
            return;
        }
    }
    const int slot = busy_[0] ? 1 : 0;
    ++rid_;
    // A restart request carries nothing else (XEP-0206); queued stanzas go with the next one.
    std::string body = restart_ ? wrap({}, true) : wrap(queue_, false);
    if (!restart_) queue_.clear();
    restart_ = false;
    busy_[slot] = true;
    ++outstanding_;
    written_ = false;
    ++stats_.requests;
    asio::co_spawn(gap_timer_.get_executor(), exchange(slot, rid_, std::move(body)), asio::detached);
}

asio::awaitable<void> BoshSession::exchange(int slot, std::uint64_t rid, std::string body) {
    auto on_written = [this] {
        written_ = true;
        written_at_ = now_us();
        kick();
    };
    Reply r = co_await conns_[slot].request("POST", config_.path, kXml, body, std::chrono::seconds(config_.wait + 10),
                                            on_written);
    const Micros arrival = now_us();
    busy_[slot] = false;
    --outstanding_;
    written_ = true;
    if (dead_ || closing_) co_return;
    if (r.status != 200) {
        if (r.status == 0 && r.error.find("timed out") != std::string::npos) ++stats_.stuck;
        fail(r.status ? "HTTP " + std::to_string(r.status) : r.error);
        co_return;
    }
    ++stats_.answers;
    auto root = parse_xml(r.body);
    if (!root || root->name != "body") {
        fail("malformed answer: " + r.body.substr(0, 120));
        co_return;
    }
    if (root->attr("type") == "terminate") {
        fail("terminated by the server: " + std::string(root->attr("condition")));
        co_return;
    }
    deliver(rid, std::move(root->children), arrival);
    post_kick();
}

// After an answer, the next request goes once whoever reads its stanzas has run: what they
// send in reply (the SASL restart, the next set-up step) then rides on that request, instead
// of an empty poll followed at once by a second request that could overtake it.
void BoshSession::post_kick() {
    asio::post(gap_timer_.get_executor(), [this] { kick(); });
}

void BoshSession::deliver(std::uint64_t rid, std::vector<XmlNode> stanzas, Micros arrival) {
    answered_[rid] = std::move(stanzas);
    for (auto it = answered_.begin(); it != answered_.end() && it->first == next_deliver_; it = answered_.erase(it)) {
        ++next_deliver_;
        for (auto& s : it->second) {
            ++stats_.stanzas;
            if (handler) {
                handler(s, arrival);
            } else {
                inbox_.push_back(std::move(s));
                inbox_timer_.cancel();
            }
        }
    }
}

asio::awaitable<std::optional<XmlNode>> BoshSession::next(Micros timeout_us) {
    const Micros deadline = now_us() + timeout_us;
    while (inbox_.empty() && !dead_ && now_us() < deadline) {
        inbox_timer_.expires_at(at_us(deadline));
        co_await inbox_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (inbox_.empty()) co_return std::nullopt;
    XmlNode n = std::move(inbox_.front());
    inbox_.pop_front();
    co_return n;
}

void BoshSession::fail(const std::string& why) {
    if (dead_) return;
    dead_ = true;
    error_ = why;
    ++stats_.terminated;
    if (!closing_) ++stats_.errors[why.substr(0, 80)];
    inbox_timer_.cancel();
    gap_timer_.cancel();
}

void BoshSession::close_idle() {
    for (int i = 0; i < 2; ++i)
        if (!busy_[i] && conns_[i].is_open()) conns_[i].close();
}

void BoshSession::close() {
    closing_ = true;
    for (auto& c : conns_) c.close();
    gap_timer_.cancel();
    inbox_timer_.cancel();
}

}  // namespace bench
