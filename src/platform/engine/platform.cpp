// Engine state, lookups and the event emitters shared by every operation.
#include "platform/engine/engine_impl.hpp"

#include "platform/auth/jwt.hpp"
#include "platform/engine/persistence.hpp"
#include "platform/events/json_text.hpp"

namespace carebridge::platform {

Ev::Ev(const View& v, std::string_view rel, std::string href, const char* type)
    : link_rel_(v.rel(rel)), link_href_(std::move(href)), type_(type) {}
Ev& Ev::title(std::string t) & {
    link_title_ = std::move(t);
    has_title_ = true;
    return *this;
}
Ev& Ev::in(const View& v, std::string_view rel, std::string href) & {
    in_rel_ = v.rel(rel);
    in_href_ = std::move(href);
    return *this;
}
Ev& Ev::embed(const json::object& resource) & {
    const auto* rel = resource.if_contains("rel");
    return embed(rel && rel->is_string() ? std::string_view(rel->get_string()) : std::string_view(),
                 json::serialize(resource));
}
Ev& Ev::embed(std::string_view rel, std::string resource_json) & {
    embedded_rel_ = rel;
    embedded_ = std::move(resource_json);
    return *this;
}
Ev& Ev::success() & {
    status_ = "Success";
    return *this;
}
Ev& Ev::failure(const Error& reason) & {
    status_ = "Failure";
    return this->reason(reason);
}
Ev& Ev::reason(const Error& why) & {
    reason_ = why;
    has_reason_ = true;
    return *this;
}

std::string Ev::render() const {
    JsonText o(128 + link_href_.size() + in_href_.size() + embedded_.size());
    o.begin_object().key("link").begin_object().field("rel", link_rel_).field("href", link_href_);
    if (has_title_) o.field("title", link_title_);
    o.end_object();
    if (!in_rel_.empty()) o.key("in").begin_object().field("rel", in_rel_).field("href", in_href_).end_object();
    if (!embedded_.empty()) o.key("_embedded").begin_object().key(embedded_rel_).raw(embedded_).end_object();
    if (status_) o.field("status", status_);
    if (has_reason_) {
        o.key("reason").begin_object().field("code", reason_.code);
        if (!reason_.subcode.empty()) o.field("subcode", reason_.subcode);
        o.field("message", reason_.message).end_object();
    }
    return o.field("type", type_).end_object().take();
}

void Platform::Impl::to_ucwa(UcwaApp& app, const std::string& conversation_id, Ev ev) {
    const View v = app.kind == UcwaKind::visitor ? View::visitor(app.id) : View::agent(app.id);
    std::string rel = conversation_id.empty() ? "communication" : "conversation";
    std::string href = conversation_id.empty() ? v.href("/communication")
                                               : v.href(conversation_path(conversation_id));
    app.events.append(std::move(rel), std::move(href), ev.render(), self.now_ms(), ev.urgency());
    dirty.insert(&app.events);
    if (snapshots_unchanged == 0) touch(app);
}

void Platform::Impl::to_service(const Conversation& queue_conv, const std::string& conversation_id,
                                Ev ev) {
    TrustedApp* app = self.trusted_app(queue_conv.trusted_app_id);
    if (!app) return;
    const View v = service_view(queue_conv);
    std::string rel = v.rel(conversation_id.empty() ? "communication" : "conversation");
    std::string href = conversation_id.empty() ? v.href("/communication")
                                               : v.href(conversation_path(conversation_id));
    const auto position = app->events.append(std::move(rel), std::move(href),
                                             ev.render(), self.now_ms());
    dirty.insert(&app->events);
    if (snapshots_unchanged == 0 && self.conversation(queue_conv.id)) touch(queue_conv);
    pending_callbacks.push_back({app->config.id, queue_conv.id, self.callback_url(queue_conv), position});
}

std::string Platform::Impl::new_id() const { return auth::random_hex(8); }

const std::string& Platform::Impl::app_name(const Conversation& c) {
    static const std::string none;
    auto* app = self.trusted_app(c.trusted_app_id);
    return app ? app->config.name : none;
}

void Platform::Impl::add_conversation(std::unique_ptr<Conversation> c) {
    if (c->kind == ConversationKind::visitor_chat) ++live_chats_by_app[c->trusted_app_id];
    const std::string id = c->id;
    conversations.emplace(id, std::move(c));
}

void Platform::Impl::add_invitation(std::unique_ptr<ParticipantInvitation> inv) {
    invitations_by_meeting[inv->meeting_id].push_back(inv->id);
    const std::string id = inv->id;
    participant_invitations.emplace(id, std::move(inv));
}

std::vector<ParticipantInvitation*> Platform::Impl::invitations_of(const std::string& meeting_id) const {
    std::vector<ParticipantInvitation*> out;
    if (auto ids = invitations_by_meeting.find(meeting_id); ids != invitations_by_meeting.end())
        for (const auto& id : ids->second)
            if (auto it = participant_invitations.find(id); it != participant_invitations.end())
                out.push_back(it->second.get());
    return out;
}

void Platform::Impl::remove_conversation(const std::string& id) {
    auto it = conversations.find(id);
    if (it == conversations.end()) return;
    Conversation& c = *it->second;
    touch(c);
    chat_by_invitation.erase(c.invitation_id);
    meeting_by_invitation.erase(c.meeting_invitation_id);
    meeting_by_invitation.erase(c.app_messaging_invitation_id);
    meeting_by_uri.erase(c.online_meeting_uri);
    if (auto op = meeting_by_operation.find(operation_key(c)); op != meeting_by_operation.end() && op->second == c.id)
        meeting_by_operation.erase(op);
    timers.erase("inv:" + c.id);
    for (const auto& t : c.typing) timers.erase("typing:" + c.id + ":" + t.uri);
    pending_forgets.push_back(c.id);  // after its last callbacks are queued
    if (c.kind == ConversationKind::visitor_chat)
        if (auto n = live_chats_by_app.find(c.trusted_app_id); n != live_chats_by_app.end() && --n->second == 0)
            live_chats_by_app.erase(n);
    conversations.erase(it);
}

bool Platform::Impl::filtered(const Conversation& meeting, const std::string& agent_uri) const {
    const auto* bp = meeting.bridged(agent_uri);
    return bp && bp->filter_enabled;
}

std::string Platform::Impl::shown_to_visitor(const Conversation& meeting, const std::string& uri,
                                             const std::string& name) const {
    if (uri == meeting.endpoint) return meeting.impersonated_name;
    if (const auto* bp = meeting.bridged(uri); bp && !bp->display_name.empty())
        return bp->display_name;
    return name;
}

Platform::Platform(const app::PlatformConfig& config, net::Scheduler& scheduler,
                   CallbackDispatcher& callbacks, store::Store* store)
    : config_(config), scheduler_(scheduler), callbacks_(callbacks),
      impl_(std::make_unique<Impl>(*this)) {
    impl_->store = store;
    for (const auto& a : config.applications) {
        auto app = std::make_unique<TrustedApp>();
        app->config = a;
        app->events = EventStream(persist::service_stream(a.id));
        impl_->trusted_apps.emplace(a.id, std::move(app));
    }
    impl_->arm_inactivity_sweep();
}

Platform::~Platform() = default;

Millis Platform::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               scheduler_.now().time_since_epoch())
        .count();
}

TrustedApp* Platform::trusted_app(const std::string& id) {
    auto it = impl_->trusted_apps.find(id);
    return it == impl_->trusted_apps.end() ? nullptr : it->second.get();
}

TrustedApp* Platform::trusted_app_by_client(const std::string& client_id) {
    for (auto& [id, app] : impl_->trusted_apps)
        if (app->config.client_id == client_id) return app.get();
    return nullptr;
}

const app::AgentConfig* Platform::agent_by_username(const std::string& username) const {
    for (const auto& a : config_.agents)
        if (a.username == username) return &a;
    return nullptr;
}

const app::AgentConfig* Platform::agent_by_uri(const std::string& uri) const {
    for (const auto& a : config_.agents)
        if (a.uri == uri) return &a;
    return nullptr;
}

UcwaApp* Platform::ucwa_app(const std::string& id) {
    auto it = impl_->ucwa_apps.find(id);
    return it == impl_->ucwa_apps.end() ? nullptr : it->second.get();
}

Conversation* Platform::conversation(const std::string& id) {
    auto it = impl_->conversations.find(id);
    return it == impl_->conversations.end() ? nullptr : it->second.get();
}

Conversation* Platform::chat_by_invitation(const std::string& invitation_id) {
    auto it = impl_->chat_by_invitation.find(invitation_id);
    return it == impl_->chat_by_invitation.end() ? nullptr : conversation(it->second);
}

Conversation* Platform::meeting_by_uri(const std::string& uri) {
    auto it = impl_->meeting_by_uri.find(uri);
    return it == impl_->meeting_by_uri.end() ? nullptr : conversation(it->second);
}

Conversation* Platform::meeting_by_invitation(const std::string& invitation_id) {
    auto it = impl_->meeting_by_invitation.find(invitation_id);
    return it == impl_->meeting_by_invitation.end() ? nullptr : conversation(it->second);
}

ParticipantInvitation* Platform::participant_invitation(const std::string& id) {
    auto it = impl_->participant_invitations.find(id);
    return it == impl_->participant_invitations.end() ? nullptr : it->second.get();
}

Conversation* Platform::room_of(Conversation& conv) {
    if (conv.kind == ConversationKind::meeting) return &conv;
    return conv.meeting_id.empty() ? nullptr : conversation(conv.meeting_id);
}

std::vector<std::pair<std::string, std::string>> Platform::participants(Conversation& conv, Side side) {
    std::vector<std::pair<std::string, std::string>> out;
    Conversation* m = room_of(conv);
    Conversation* chat = conv.kind == ConversationKind::visitor_chat ? &conv : conversation(conv.bridged_chat_id);
    UcwaApp* visitor = chat ? ucwa_app(chat->visitor_app_id) : nullptr;
    if (side == Side::visitor) {
        if (!m) {
            auto* app = trusted_app(conv.trusted_app_id);
            out.emplace_back(conv.endpoint, app ? app->config.name : "");
            return out;
        }
        out.emplace_back(m->endpoint, m->impersonated_name);
        for (const auto& p : m->participants)
            if (!impl_->filtered(*m, p.uri)) out.emplace_back(p.uri, impl_->shown_to_visitor(*m, p.uri, p.name));
        return out;
    }
    out.emplace_back(conv.endpoint, impl_->app_name(conv));
    if (visitor) out.emplace_back(visitor->uri, visitor->display_name);
    if (conv.kind == ConversationKind::meeting)
        for (const auto& p : conv.participants) out.emplace_back(p.uri, p.name);
    return out;
}

const std::string& Platform::callback_url(const Conversation& conv) const {
    if (!conv.callback_url.empty()) return conv.callback_url;
    auto it = impl_->trusted_apps.find(conv.trusted_app_id);
    static const std::string none;
    return it == impl_->trusted_apps.end() ? none : it->second->config.callback_url;
}

}  // namespace carebridge::platform
