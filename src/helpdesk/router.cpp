#include "helpdesk/router.hpp"

#include <algorithm>

namespace carebridge::helpdesk {

Router::Router(std::vector<AgentSettings> agents, std::chrono::seconds away_backoff)
    : away_backoff_(away_backoff) {
    for (auto& a : agents) agents_.push_back({std::move(a), {}, {}});
}

void Router::wait(const std::string& chat, const std::string& queue, std::uint64_t order,
                  std::set<std::string> excluded) {
    cancel(chat);
    Waiting w{order, chat, queue, std::move(excluded)};
    auto at = std::upper_bound(waiting_.begin(), waiting_.end(), order,
                               [](std::uint64_t o, const Waiting& x) { return o < x.order; });
    waiting_.insert(at, std::move(w));
}

void Router::cancel(const std::string& chat) {
    std::erase_if(waiting_, [&](const Waiting& w) { return w.chat == chat; });
}

int Router::position(const std::string& chat) const {
    auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.chat == chat; });
    if (it == waiting_.end()) return 0;
    return 1 + static_cast<int>(std::count_if(waiting_.begin(), it, [&](const Waiting& w) { return w.queue == it->queue; }));
}

std::vector<std::string> Router::waiting() const {
    std::vector<std::string> out;
    for (const auto& w : waiting_) out.push_back(w.chat);
    return out;
}

Router::Agent* Router::find(const std::string& uri) {
    auto it = std::find_if(agents_.begin(), agents_.end(), [&](const Agent& a) { return a.settings.uri == uri; });
    return it == agents_.end() ? nullptr : &*it;
}

Router::Agent* Router::pick(const Waiting& w, TimePoint now) {
    Agent* best = nullptr;
    for (auto& a : agents_) {
        const auto& s = a.settings;
        if (std::find(s.queues.begin(), s.queues.end(), w.queue) == s.queues.end()) continue;
        if (static_cast<int>(a.chats.size()) >= s.max_chats || now < a.away_until) continue;
        if (w.excluded.count(s.uri) != 0) continue;
        if (!best || a.chats.size() < best->chats.size()) best = &a;  // strict: ties keep config order
    }
    return best;
}

std::vector<Assignment> Router::dispatch(TimePoint now) {
    std::vector<Assignment> out;
    for (auto& w : waiting_) {
        if (!w.offered_to.empty()) continue;
        Agent* agent = pick(w, now);
        if (!agent) continue;
        agent->chats.insert(w.chat);
        w.offered_to = agent->settings.uri;
        out.push_back({w.chat, agent->settings.uri});
    }
    return out;
}

void Router::release(const std::string& chat, const std::string& agent) {
    if (Agent* a = find(agent)) a->chats.erase(chat);
    for (auto& w : waiting_)
        if (w.chat == chat && w.offered_to == agent) w.offered_to.clear();
}

void Router::mark_away(const std::string& agent, TimePoint now) {
    if (Agent* a = find(agent)) a->away_until = now + away_backoff_;
}

void Router::restore(const std::string& chat, const std::string& queue, std::uint64_t order,
                     std::set<std::string> excluded, bool waiting, const std::string& agent) {
    if (waiting) wait(chat, queue, order, std::move(excluded));
    if (agent.empty()) return;
    if (Agent* a = find(agent)) a->chats.insert(chat);
    for (auto& w : waiting_)
        if (w.chat == chat) w.offered_to = agent;
}

int Router::load(const std::string& agent) const {
    auto it = std::find_if(agents_.begin(), agents_.end(), [&](const Agent& a) { return a.settings.uri == agent; });
    return it == agents_.end() ? 0 : static_cast<int>(it->chats.size());
}

bool Router::has_agents(const std::string& queue) const {
    return std::any_of(agents_.begin(), agents_.end(), [&](const Agent& a) {
        return std::find(a.settings.queues.begin(), a.settings.queues.end(), queue) != a.settings.queues.end();
    });
}

}  // namespace carebridge::helpdesk
