import Foundation

/// What a notification says: a subject line and a plain-text body a person can act on, the
/// same for an e-mail and a webhook's Slack-compatible `text`.
///
/// Requests and reminders carry the exact commands — CLI and HTTP — to acknowledge, defer with
/// an ETA, decline, or register the build; `server` is the address those commands are sent to.
package struct NoticeText: Sendable, Equatable {
    package var subject: String
    package var body: String

    package init(kind: String, train: String, payload: [String: String], server: String) {
        let member = payload["member"] ?? ""
        let api = server.hasSuffix("/") ? String(server.dropLast()) : server
        var lines: [String] = []
        switch kind {
        case "request", "reminder":
            let reason = payload["reason"] ?? "rebuild"
            let what = reason == "bump" ? "a new version (bump)" : "a \(reason)"
            if kind == "reminder" {
                subject = "[railyard] torch \(train): reminder \(payload["number"] ?? "") — \(member) needs \(what)"
                lines.append("Reminder: the request below is still unanswered.")
                lines.append("")
            } else {
                subject = "[railyard] torch \(train): \(member) needs \(what)"
            }
            lines.append("The torch \(train) release train needs \(what) of \(member).")
            if let why = payload["why"], !why.isEmpty { lines.append("Why: \(why).") }
            if let current = payload["current"] {
                lines.append(
                    "On main now: \(member) \(current)" + (payload["target"].map { "; expected: \($0)" } ?? "") + ".")
            }
            if let deadline = payload["deadline"] { lines.append("Answer by: \(deadline).") }
            lines.append("")
            lines.append("Acknowledge (optionally with the date you expect the build):")
            lines.append("  railyard bump ack \(member) --train \(train) --eta YYYY-MM-DD --server \(api)")
            lines.append(
                "  curl -X POST -H \"Authorization: Bearer $RAILYARD_TOKEN\" -d '{\"eta\": \"YYYY-MM-DD\"}' "
                    + "\(api)/api/v1/trains/\(train)/members/\(member)/ack")
            lines.append("Decline, saying why:")
            lines.append("  railyard bump decline \(member) --train \(train) --reason \"...\" --server \(api)")
            lines.append(
                "  curl -X POST -H \"Authorization: Bearer $RAILYARD_TOKEN\" -d '{\"reason\": \"...\"}' "
                    + "\(api)/api/v1/trains/\(train)/members/\(member)/decline")
            lines.append("When the build is ready, stage it:")
            lines.append("  railyard stage FILE.conda --train \(train) --server \(api)")
            lines.append(
                "  curl -X POST -H \"Authorization: Bearer $RAILYARD_TOKEN\" --data-binary @FILE.conda "
                    + "\"\(api)/api/v1/trains/\(train)/artifacts?filename=FILE.conda\"")
        case "blocked":
            subject = "[railyard] torch \(train): \(member) is blocking the train"
            lines.append("\(member) is blocked in the torch \(train) train: \(payload["detail"] ?? "").")
            if let deadline = payload["deadline"] { lines.append("The deadline was \(deadline).") }
            if let log = payload["log"], !log.isEmpty { lines.append("Log: \(log)") }
            lines.append("")
            lines.append("What to do: fix and stage a new build, or answer the request:")
            lines.append("  railyard stage FILE.conda --train \(train) --server \(api)")
            lines.append("  railyard bump ack \(member) --train \(train) --server \(api)")
            lines.append("A release manager may waive a failure or exclude the package:")
            lines.append("  railyard train waive \(train) \(member) --reason \"...\" --server \(api)")
        case "excluded":
            subject = "[railyard] torch \(train): \(member) excluded"
            lines.append("\(member) was excluded from the torch \(train) train: \(payload["detail"] ?? "").")
            lines.append("Main keeps its current build; it is not part of this release.")
        case "escalation":
            subject = "[railyard] torch \(train): unanswered requests — \(payload["members"] ?? "")"
            lines.append("These requests of the torch \(train) train are unanswered past escalate_after:")
            for laggard in (payload["detail"] ?? "").split(separator: "\n") {
                lines.append("  - \(laggard.trimmingCharacters(in: .whitespaces))")
            }
            lines.append("")
            lines.append("Nudge the maintainers, or exclude the package:")
            lines.append("  railyard train exclude \(train) PACKAGE --reason \"...\" --server \(api)")
        case "retirement":
            subject = "[railyard] torch \(train): \(member) proposed for retirement"
            lines.append("\(member) has not answered the torch \(train) train: \(payload["detail"] ?? "").")
            lines.append("Consider retiring it from the distribution (remove it from the catalog), or exclude it:")
            lines.append("  railyard train exclude \(train) \(member) --reason \"unmaintained\" --server \(api)")
        case "carried":
            let from = payload["from"] ?? ""
            let what =
                switch payload["what"] {
                case "acknowledgement":
                    "your acknowledgement" + (payload["eta"].map { " (ETA \($0))" } ?? "")
                case "decline": "your decline (\(payload["detail"] ?? ""))"
                default: "your build \(payload["version"] ?? "")"
                }
            subject = "[railyard] torch \(train): \(member)'s work carried over from \(from)"
            lines.append("The torch \(from) train was superseded by \(train) and will not ship.")
            lines.append("The \(train) train takes over \(what) for \(member).")
            switch payload["what"] {
            case "build":
                lines.append("It is a candidate there and is tested again against \(train)'s RCs.")
            case "decline":
                lines.append("It stands there too: a release manager may exclude \(member), or you may stage a")
                lines.append("build for \(train) once you can.")
            default:
                lines.append("Stage the build for \(train) once the train asks for it (companions in its")
                lines.append("companions stage, the others in downstream):")
                lines.append("  railyard stage FILE.conda --train \(train) --server \(api)")
            }
            lines.append("See where it stands:")
            lines.append("  railyard train status \(train) --server \(api)")
        case "digest":
            let about = payload["about"] ?? ""
            subject = "[railyard] torch \(train): " + Self.headline(about, payload)
            lines.append(
                "News of the torch \(train) train, in which you maintain a package: \(Self.headline(about, payload)).")
            lines.append("See where your packages stand:")
            lines.append("  railyard train status \(train) --server \(api)")
            lines.append("  \(api)/api/v1/trains/\(train)/members")
        default:
            subject = "[railyard] torch \(train): " + Self.headline(kind, payload)
            lines.append("The torch \(train) train: \(Self.headline(kind, payload)).")
            if let detail = payload["detail"], !detail.isEmpty, kind != "aborted" { lines.append(detail) }
            lines.append("  railyard train status \(train) --server \(api)")
        }
        body = lines.joined(separator: "\n") + "\n"
    }

    private static func headline(_ kind: String, _ payload: [String: String]) -> String {
        switch kind {
        case "stage":
            payload["fallback"] == "true"
                ? "fell back to \(payload["stage"] ?? "")" : "entered \(payload["stage"] ?? "")"
        case "rc": "RC \(payload["rc"] ?? "") registered"
        case "released": "released"
        case "aborted": "aborted: \(payload["detail"] ?? "")"
        case "superseded": "superseded by train \(payload["by"] ?? ""), which carries on its work"
        default: kind
        }
    }
}
