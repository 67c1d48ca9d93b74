#include "platform/events/callback_dispatcher.hpp"

#include <algorithm>
#include <iostream>
#include <random>

#include <boost/json/parse.hpp>

#include "platform/events/envelope.hpp"

namespace carebridge::platform {

CallbackDispatcher::CallbackDispatcher(net::Scheduler& scheduler, net::HttpSender& http,
                                       Authorizer authorize, std::string baseuri,
                                       CallbackOptions options)
    : scheduler_(scheduler), http_(http), authorize_(std::move(authorize)),
      baseuri_(std::move(baseuri)), options_(options) {}

void CallbackDispatcher::enqueue(TrustedApp& app, const std::string& key, const std::string& url,
                                 std::uint64_t position) {
    auto& q = queues_[key];
    // Extend the last waiting job when contiguous: one operation's events go in one POST.
    if (!q.jobs.empty()) {
        Job& tail = q.jobs.back();
        const bool waiting = !(q.sending && q.jobs.size() == 1);
        if (waiting && tail.app == &app && tail.url == url && tail.last + 1 == position &&
            tail.last - tail.first + 1 < options_.max_events_per_post) {
            tail.last = position;
            return;
        }
    }
    q.jobs.push_back({&app, url, position, position, scheduler_.now(), 0});
    if (!q.sending && !q.scheduled) {
        // Deferred so that the rest of the current operation's events join this POST.
        q.scheduled = true;
        scheduler_.post([this, key] { pump(key); });
    }
}

void CallbackDispatcher::forget(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    if (it->second.jobs.empty() && !it->second.sending && !it->second.scheduled) queues_.erase(it);
    else it->second.forgotten = true;
}

void CallbackDispatcher::set_context(const std::string& key, std::string context) {
    queues_[key].context = std::move(context);
}

std::uint64_t CallbackDispatcher::first_pending(const TrustedApp& app) const {
    std::uint64_t first = UINT64_MAX;
    for (const auto& [key, q] : queues_)
        for (const auto& j : q.jobs)
            if (j.app == &app) first = std::min(first, j.first);
    return first;
}

std::size_t CallbackDispatcher::pending() const {
    std::size_t n = 0;
    for (const auto& [key, q] : queues_)
        for (const auto& j : q.jobs) n += j.last - j.first + 1;
    return n;
}

void CallbackDispatcher::pump(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    q.scheduled = false;
    q.retry.reset();
    if (q.sending) return;
    if (q.jobs.empty()) {
        if (q.forgotten) queues_.erase(it);
        return;
    }
    q.sending = true;
    Job& job = q.jobs.front();
    const auto& stream = job.app->events;
    const auto events = stream.read(job.first, job.last - job.first + 1);
    const std::string events_href = "/platformservice/v1/applications/" + job.app->config.id +
                                    "/events";
    const std::string body = render_envelope(
        events, events_href + "?ack=" + std::to_string(job.first),
        events_href + "?ack=" + std::to_string(job.last + 1), baseuri_);
    std::string url = job.url;
    if (!q.context.empty())
        url += (url.find('?') == std::string::npos ? "?" : "&") +
               std::string("callbackContext=") + net::percent_encode(q.context);
    net::HeaderList headers{
        {"Content-Type", "application/json; charset=utf-8"},
        {"Authorization", authorize_(*job.app)},
        {"X-Carebridge-Event-Positions",
         std::to_string(job.first) + "-" + std::to_string(job.last)},
    };
    ++job.attempts;
    http_.send("POST", url, std::move(headers), body, options_.timeout,
               [this, key](net::ClientResult r) { on_result(key, std::move(r)); });
}

void CallbackDispatcher::on_result(const std::string& key, net::ClientResult result) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    q.sending = false;
    Job& job = q.jobs.front();
    if (result.ok() && result.status >= 200 && result.status < 300) {
        delivered_ += job.last - job.first + 1;
        boost::system::error_code ec;
        auto answer = boost::json::parse(result.body, ec);
        if (!ec && answer.is_object())
            if (auto* ctx = answer.as_object().if_contains("CallbackContext"); ctx && ctx->is_string())
                q.context = std::string(ctx->as_string());
        const std::uint64_t last = job.last;
        const std::string context = q.context;
        q.jobs.pop_front();
        if (delivered_hook_) delivered_hook_(key, last, context);
        pump(key);
        return;
    }
    const auto age = scheduler_.now() - job.since;
    if (age > options_.max_age) {
        std::cerr << "callback dropped after " << job.attempts << " attempts: app "
                  << job.app->config.id << " events " << job.first << "-" << job.last << ": "
                  << (result.ok() ? "HTTP " + std::to_string(result.status) : result.error)
                  << "\n";
        dropped_ += job.last - job.first + 1;
        q.jobs.pop_front();
        pump(key);
        return;
    }
    // Exponential backoff with full jitter, capped.
    const int shift = std::min(job.attempts - 1, 16);
    const std::chrono::milliseconds grown = options_.initial_backoff * (1LL << shift);
    const auto ceiling = std::min(options_.max_backoff, grown);
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<long long> jitter(ceiling.count() / 2, ceiling.count());
    q.scheduled = true;
    q.retry = scheduler_.after(std::chrono::milliseconds(jitter(rng)), [this, key] { pump(key); });
}

}  // namespace carebridge::platform
