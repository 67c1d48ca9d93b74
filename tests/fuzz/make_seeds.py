#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ (committed; re-run after adding
routes or fixtures). Seeds are real requests and bodies: every route the platform serves with
the body the call flow sends (as tests/integration/cbtest.py does), the protocol's recorded
envelopes from ../shared/protocol/fixtures/, real tokens' claims and the example configs."""
import base64
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"
FIXTURES = ROOT.parent / "shared" / "protocol" / "fixtures"

APP = "1627259584"
SA = f"/platformservice/v1/applications/{APP}"
CONV = f"{SA}/communication/conversations/$m"
VIS = "/ucwa/psanon/v1/applications/$v"
AGT = "/ucwa/v1/applications/$g"


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / name).write_bytes(data)


def req(method, target, auth=None, body=None, ctype="application/json", extra=""):
    head = f"{method} {target} HTTP/1.1\r\nHost: platform.example\r\n"
    if auth == "A":
        head += "Authorization: Bearer $A\r\n"
    elif auth == "V":
        head += "Authorization: Bearer $V\r\nOrigin: https://contoso.com\r\n"
    elif auth == "G":
        head += "Authorization: Bearer $G\r\n"
    head += extra
    if body is None:
        return head + "\r\n"
    if not isinstance(body, str):
        body = json.dumps(body)
    return head + f"Content-Type: {ctype}\r\nContent-Length: {len(body.encode())}\r\n\r\n" + body


def http_api():
    form = "application/x-www-form-urlencoded"
    seeds = {
        "discover": req("GET", "/platformservice/discover"),
        "discover_preflight": req("OPTIONS", "/platformservice/discover", extra="Origin: https://contoso.com\r\n"),
        "token_app": req("POST", "/oauth2/token", body="grant_type=client_credentials&client_id=helpdesk&client_secret=helpdesk-secret", ctype=form),
        "token_user": req("POST", "/oauth2/token", body="grant_type=password&username=alice@contoso.com&password=pw", ctype=form),
        "jwks": req("GET", "/.well-known/jwks.json"),
        "jwks2": req("GET", "/platformservice/jwks"),
        "autodiscover": req("GET", "/autodiscover/autodiscoverservice.svc/root"),
        "autodiscover_user": req("GET", "/autodiscover/autodiscoverservice.svc/root/oauth/user", "G"),
        "healthz": req("HEAD", "/healthz"),
        "sa_apps": req("GET", "/platformservice/v1/applications", "A"),
        "sa_app": req("GET", f"{SA}?endpointId=sip:helpdesk@contoso.com", "A"),
        "sa_communication": req("GET", f"{SA}/communication", "A"),
        "sa_events": req("GET", f"{SA}/events?ack=1&timeout=0", "A"),
        "sa_events_park": req("GET", f"{SA}/events?ack=99&timeout=5", "A"),
        "sa_anon_token": req("POST", f"{SA}/anonApplicationTokens?endpointId=sip:helpdesk@contoso.com", "A",
                             {"applicationSessionId": "session-2", "allowedOrigins": "https://contoso.com;http://127.0.0.1:8090"}),
        "sa_invitation": req("GET", f"{SA}/communication/messagingInvitations/$i", "A"),
        "sa_accept_bridge": req("POST", f"{SA}/communication/messagingInvitations/$i/acceptAndBridge", "A",
                                {"impersonatedDisplayName": "contoso helpdesk", "onlineMeetingUri": "$u"}),
        "sa_decline": req("POST", f"{SA}/communication/messagingInvitations/$i/decline", "A", {}),
        "sa_start_meeting": req("POST", f"{SA}/communication/onlineMeetingInvitations/startAdhocMeeting?endpointId=sip:helpdesk@contoso.com", "A",
                                {"subject": "helpcustomermeeting", "operationId": "op-2", "callbackUrl": "https://sa.example/cb2"}),
        "sa_meeting_invitation": req("GET", f"{SA}/communication/onlineMeetingInvitations/$n", "A"),
        "sa_add_messaging": req("POST", f"{SA}/communication/messagingInvitations?conversationId=$m", "A", {"operationId": "op-3"}),
        "sa_add_participant": req("POST", f"{SA}/communication/participantInvitations?conversationId=$m", "A",
                                  {"operationId": "op-4", "to": "sip:bob@contoso.com"}),
        "sa_participant_invitation": req("GET", f"{SA}/communication/participantInvitations/$p", "A"),
        "sa_conversation": req("GET", CONV, "A"),
        "sa_conversation_delete": req("DELETE", CONV, "A"),
        "sa_messaging": req("GET", f"{CONV}/messaging", "A"),
        "sa_send_plain": req("POST", f"{CONV}/messaging/messages?operationId=op-5", "A", "Hello, how can I help?", ctype="text/plain"),
        "sa_send_html": req("POST", f"{CONV}/messaging/messages", "A", "<p>Hi <b>there</b> <a href=\"https://x\">x</a></p>", ctype="text/html; charset=utf-8"),
        "sa_message": req("GET", f"{CONV}/messaging/messages/1", "A"),
        "sa_participants": req("GET", f"{CONV}/participants", "A"),
        "sa_participant": req("GET", f"{CONV}/participants/sip:alice@contoso.com", "A"),
        "sa_online_meeting": req("GET", f"{CONV}/onlineMeeting", "A"),
        "sa_transcript": req("GET", f"{CONV}/transcript", "A"),
        "sa_transcript_delete": req("DELETE", f"{CONV}/transcript", "A"),
        "sa_bridge": req("GET", f"{CONV}/conversationBridge", "A"),
        "sa_bridged": req("GET", f"{CONV}/conversationBridge/bridgedParticipants", "A"),
        "sa_bridged_one": req("GET", f"{CONV}/conversationBridge/bridgedParticipants/1", "A"),
        "sa_bridged_add": req("POST", f"{CONV}/conversationBridge/bridgedParticipants", "A",
                              {"displayName": "Supervisor", "participantUri": "sip:sup@contoso.com", "messageFilterState": "Enabled"}),
        "v_create": req("POST", "/ucwa/psanon/v1/applications", "V", {"anonymousDisplayName": "Janardhan"}),
        "v_preflight": req("OPTIONS", f"{VIS}/communication/messagingInvitations",
                           extra="Origin: https://contoso.com\r\nAccess-Control-Request-Method: POST\r\n"),
        "v_start_messaging": req("POST", f"{VIS}/communication/messagingInvitations", "V",
                                 {"operationId": "op-6", "subject": "Help", "to": "sip:helpdesk@contoso.com",
                                  "customContent": "data:application/json;charset=utf-8,%7B%22order%22%3A42%7D"}),
        "a_create": req("POST", "/ucwa/v1/applications", "G", {"UserAgent": "console", "EndpointId": "console-1", "Culture": "en-US"}),
        "a_available": req("POST", f"{AGT}/me/makeMeAvailable", "G", {"SupportedModalities": ["Messaging"]}),
        "a_activity": req("POST", f"{AGT}/me/reportMyActivity", "G", {}),
        "a_presence": req("POST", f"{AGT}/me/presence", "G", {"availability": "Online"}),
        "a_invitation": req("GET", f"{AGT}/communication/onlineMeetingInvitations/$p", "G"),
        "a_accept": req("POST", f"{AGT}/communication/onlineMeetingInvitations/$p/accept", "G", ""),
        "a_decline": req("POST", f"{AGT}/communication/onlineMeetingInvitations/$p/decline", "G", ""),
        "a_add_messaging": req("POST", f"{AGT}/communication/conversations/$m/messaging/messagingInvitations", "G", ""),
        "chunked": "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n5\r\ngrant\r\n0\r\n\r\n",
        "expect_continue": req("POST", "/ucwa/psanon/v1/applications", "V", {"anonymousDisplayName": "J"}, extra="Expect: 100-continue\r\n"),
    }
    # Routes both UCWA sides serve: the visitor on its chat, the agent on the meeting.
    for side, base, conv, auth in (("v", VIS, "$c", "V"), ("a", AGT, "$m", "G")):
        c = f"{base}/communication/conversations/{conv}"
        seeds.update({
            f"{side}_app": req("GET", base, auth),
            f"{side}_delete_app": req("DELETE", base, auth),
            f"{side}_me": req("GET", f"{base}/me", auth),
            f"{side}_communication": req("GET", f"{base}/communication", auth),
            f"{side}_events": req("GET", f"{base}/events?ack=1&timeout=0", auth),
            f"{side}_conversations": req("GET", f"{base}/communication/conversations", auth),
            f"{side}_conversation": req("GET", c, auth),
            f"{side}_leave": req("DELETE", c, auth),
            f"{side}_terminate": req("POST", f"{c}/messaging/terminate", auth, ""),
            f"{side}_messaging": req("GET", f"{c}/messaging", auth),
            f"{side}_send": req("POST", f"{c}/messaging/messages?operationId=op-7", auth, "I need help with order 42", ctype="text/plain"),
            f"{side}_send_html": req("POST", f"{c}/messaging/messages", auth, "<i>hi</i><script>alert(1)</script>", ctype="text/html"),
            f"{side}_message": req("GET", f"{c}/messaging/messages/1", auth),
            f"{side}_typing": req("POST", f"{c}/messaging/typing", auth, ""),
            f"{side}_typing_list": req("GET", f"{c}/messaging/typingParticipants", auth),
            f"{side}_participants": req("GET", f"{c}/participants", auth),
            f"{side}_participant": req("GET", f"{c}/participants/sip:alice@contoso.com", auth),
            f"{side}_messaging_invitation": req("GET", f"{base}/communication/messagingInvitations/$i", auth),
        })
    for name, data in seeds.items():
        write("http_api", name, data)


def url():
    for i, s in enumerate([
        "/platformservice/v1/applications/1627259584/communication/conversations/abc?endpointId=sip%3Ahelpdesk%40contoso.com",
        "ack=12&timeout=30&endpointId=sip:helpdesk@contoso.com&x=%E2%82%AC+y",
        "https://contoso.com\0/ucwa/psanon/v1/applications/1",
        "http://127.0.0.1:8090",
        "https://platform.example:8443/a/b?c=d#frag\0/x/y?z=1",
        "data:text/plain;charset=utf-8,Hello%20there%21",
        "data:text/html;charset=utf-8,%3Cb%3Ehi%3C%2Fb%3E",
        "12-40",
        "text/html; charset=utf-8",
        "https://contoso.com;http://localhost:3000;HTTPS://Example.COM",
        "/events?ack=18446744073709551615\0op-1",
        "%zz%2%00%ff%C0%AF",
    ]):
        write("url", f"seed{i}", s)


def b64(s):
    return base64.urlsafe_b64encode(s.encode()).rstrip(b"=").decode()


def jwt():
    iss = "https://platform.example"
    now = 1466991733
    header = {"alg": "RS256", "typ": "JWT", "kid": "k"}
    base = {"iss": iss, "iat": now, "nbf": now, "exp": now + 3600, "jti": "0123456789abcdef01234567"}
    kinds = {
        "app": dict(base, aud=iss + "/platformservice", typ="app", sub=APP),
        "user": dict(base, aud=iss + "/ucwa", typ="user", sub="sip:alice@contoso.com"),
        "anon": dict(base, aud=iss + "/ucwa/psanon", typ="anon", sub=APP, aeu="sip:helpdesk@contoso.com",
                     asi="session-1", ao="https://contoso.com;http://127.0.0.1:8090"),
        "callback": dict(base, aud=APP, typ="callback", sub=iss),
        "aud_array": dict(base, aud=[APP, "x"], typ="callback", sub=iss),
    }
    for name, claims in kinds.items():
        write("jwt", f"signed_{name}", "{" + json.dumps(header)[1:] + "\0" + json.dumps(claims))
        write("jwt", f"raw_{name}", b64(json.dumps(header)) + "." + b64(json.dumps(claims)) + ".c2ln")
    write("jwt", "alg_none", b64('{"alg":"none"}') + "." + b64(json.dumps(kinds["app"])) + ".")
    write("jwt", "jwks", '[{"keys":[{"kty":"RSA","n":"' + "A" * 342 + '","e":"AQAB","kid":"k","alg":"RS256","use":"sig"}]}')


def sdk_envelope():
    if FIXTURES.is_dir():
        for f in sorted(FIXTURES.glob("*.json")):
            data = f.read_bytes()
            write("sdk_envelope", f.stem, (b"1-40\n" if f.stem.startswith("Event_") else b"") + data)
        # A batched callback: several conversations' ranges in one POST (callback_batch_window_ms).
        write("sdk_envelope", "Batched_TwoRanges",
              b"7-7,12-13\n" + (FIXTURES / "Event_Participant_MultipleEvents.json").read_bytes())
    else:
        print(f"make_seeds.py: {FIXTURES} not found; sdk_envelope keeps its seeds", file=sys.stderr)


def config():
    for f in sorted((ROOT / "config").glob("*.toml")):
        write("config", f.stem, f.read_bytes())


if __name__ == "__main__":
    http_api(); url(); jwt(); sdk_envelope(); config()
    for d in sorted(OUT.iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")
