// The dead-letter list in the store: one snapshot per entry (kind "dead_letter", key the id
// zero-padded). Without a store the list is only in memory.
#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

#include "common/log.hpp"
#include "platform/engine/engine_impl.hpp"
#include "platform/engine/persistence.hpp"

namespace carebridge::platform {

namespace {
constexpr const char* kDeadLetter = "dead_letter";

std::string key_of(std::uint64_t id) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(id));
    return buf;
}

std::string encode(const DeadLetter& d) {
    return boost::json::serialize(boost::json::object{
        {"id", d.id}, {"app", d.app_id}, {"queue", d.queue}, {"url", d.url}, {"error", d.error},
        {"first", d.first}, {"last", d.last}, {"attempts", d.attempts}, {"dropped_at", d.dropped_at}});
}

std::optional<DeadLetter> decode(std::string_view data) {
    boost::system::error_code ec;
    auto v = boost::json::parse(data, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    try {
        DeadLetter d;
        d.id = o.at("id").to_number<std::uint64_t>();
        d.app_id = std::string(o.at("app").as_string());
        d.queue = std::string(o.at("queue").as_string());
        d.url = std::string(o.at("url").as_string());
        d.error = std::string(o.at("error").as_string());
        d.first = o.at("first").to_number<std::uint64_t>();
        d.last = o.at("last").to_number<std::uint64_t>();
        d.attempts = o.at("attempts").to_number<int>();
        d.dropped_at = o.at("dropped_at").to_number<std::int64_t>();
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}
}  // namespace

void Platform::save_dead_letter(const DeadLetter& d, const std::string& context) {
    if (!impl_->store) return;
    impl_->extra.puts.push_back({kDeadLetter, key_of(d.id), encode(d)});
    // The conversation's queue has moved past it: after a restart it is not sent again (it is
    // in the list, to be replayed on request). Replay queues have no progress to keep.
    if (d.queue.rfind("replay:", 0) != 0) {
        impl_->save_callback_progress(d.queue, d.last, context);
    }
    impl_->flush();
}

void Platform::erase_dead_letter(std::uint64_t id) {
    if (!impl_->store) return;
    impl_->extra.erases.emplace_back(kDeadLetter, key_of(id));
    impl_->flush();
}

void Platform::restore_dead_letters() {
    if (!impl_->store) return;
    std::vector<DeadLetter> list;
    for (const auto& s : impl_->store->load(kDeadLetter)) {
        if (auto d = decode(s.data)) list.push_back(std::move(*d));
        else log::warn("unreadable dead letter in the store, skipped", {{"key", s.key}});
    }
    std::sort(list.begin(), list.end(), [](const DeadLetter& a, const DeadLetter& b) { return a.id < b.id; });
    for (auto& d : list) callbacks_.restore_dead_letter(std::move(d));
    if (!list.empty()) log::info("dead letters restored", {{"count", std::to_string(list.size())}});
}

}  // namespace carebridge::platform
