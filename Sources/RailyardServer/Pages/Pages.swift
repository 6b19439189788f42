import Foundation
import RailyardCore
import RailyardStore

/// The status page: server-rendered HTML that answers "where is the train, and who must do what
/// now?". No JavaScript; a meta refresh keeps an open page current. State is always written as
/// text (the colour of a badge only repeats it).
enum Pages {
    // MARK: - Pages

    /// `/`: every train, the ones in progress first.
    static func index(_ trains: [Train], at now: Date) -> String {
        page(title: "Release trains", crumbs: [], refresh: true, now: now) { html in
            html.element("h1", text: "Release trains")
            let active = trains.filter { !$0.stage.isTerminal }.sorted { $0.createdAt > $1.createdAt }
            let done = trains.filter(\.stage.isTerminal).sorted { $0.createdAt > $1.createdAt }
            html.element("section", ["aria-labelledby": "active"]) { html in
                html.element("h2", ["id": "active"], text: "In progress")
                if active.isEmpty {
                    html.element("p") { html in
                        html.text("No train is in progress. A release manager starts one with ")
                        html.element("code", text: "railyard train create 2.6.0 --catalog distro.yml")
                        html.text(".")
                    }
                } else {
                    trainTable(&html, active, caption: "Trains in progress", now: now)
                }
            }
            if active.count > 1 { sideBySide(&html, active) }
            html.element("section", ["aria-labelledby": "done"]) { html in
                html.element("h2", ["id": "done"], text: "Released and aborted")
                if done.isEmpty {
                    html.element("p", text: "None yet.")
                } else {
                    trainTable(&html, done, caption: "Released and aborted trains", now: now)
                }
            }
        }
    }

    /// `/trains/{version}`: the timeline, the gate, the root causes, the members by wave, the
    /// dependency view and the latest events.
    static func train(_ train: Train, events: [LoggedEvent], at now: Date) -> String {
        let version = train.name
        return page(
            title: "torch \(version): \(train.stage.rawValue)", crumbs: [("torch \(version)", trainPath(version))],
            refresh: !train.stage.isTerminal, now: now
        ) { html in
            html.element("h1") { html in
                html.text("torch \(version) ")
                stageBadge(&html, train.stage)
            }
            summary(&html, train, now: now)
            timeline(&html, train)
            if !train.stage.isTerminal { gate(&html, train) }
            why(&html, train, now: now)
            cellMatrix(&html, train)
            members(&html, train, now: now)
            html.element("section", ["aria-labelledby": "graph"]) { html in
                html.element("h2", ["id": "graph"], text: "Dependencies by wave")
                html.element(
                    "p",
                    text:
                        "Each column is a wave; a line joins a member to what it depends on. The tables above say the same in text."
                )
                html.element("div", ["class": "scroll"]) { html in html.raw(graph(train)) }
            }
            html.element("section", ["aria-labelledby": "events"]) { html in
                html.element("h2", ["id": "events"], text: "Latest events")
                eventTable(&html, Array(events.suffix(25).reversed()), caption: "The 25 latest events, newest first")
                html.element("p") { html in
                    html.text("The whole log: ")
                    html.element("code", text: "railyard train log \(version)")
                    html.text(" or ")
                    html.element("a", ["href": "/api/v1/trains/\(HTML.segment(version))/log"], text: "its JSON")
                    html.text(".")
                }
            }
        }
    }

    /// `/trains/{version}/members/{name}`: one member's state and its history in the train.
    static func member(_ member: TrainMember, of train: Train, events: [LoggedEvent], at now: Date) -> String {
        let version = train.name
        return page(
            title: "\(member.name) in torch \(version)",
            crumbs: [("torch \(version)", trainPath(version)), (member.name, memberPath(version, member.name))],
            refresh: !train.stage.isTerminal, now: now
        ) { html in
            html.element("h1") { html in
                html.text("\(member.name) ")
                stateBadge(&html, member.state)
            }
            html.element("dl", ["class": "facts"]) { html in
                fact(&html, "Train") { $0.element("a", ["href": trainPath(version)], text: "torch \(version)") }
                fact(&html, "Reason", member.reason.rawValue)
                fact(&html, "Why", member.why)
                fact(&html, "Wave", String(member.wave))
                fact(&html, "Version") { html in
                    html.text(member.currentVersion.description)
                    if let target = member.targetVersion, target != member.currentVersion {
                        html.text(" on main; \(target) in the train")
                    }
                }
                fact(&html, "Maintainers", member.maintainers.joined(separator: ", "))
                fact(&html, "Every train") { html in
                    html.element("a", ["href": packagePath(member.name)], text: "\(member.name) in every train")
                }
                fact(&html, "Depends on") { html in
                    if member.parents.isEmpty { html.text("the core only") }
                    for (index, parent) in member.parents.enumerated() {
                        if index > 0 { html.text(", ") }
                        if train.member(parent) != nil {
                            html.element("a", ["href": memberPath(version, parent)], text: parent)
                        } else {
                            html.text("\(parent) (the core)")
                        }
                    }
                }
                fact(&html, "In this state since", date(member.since, now: now))
                if let deadline = member.deadline { fact(&html, "Deadline", date(deadline, now: now)) }
                if let eta = member.eta { fact(&html, "ETA", date(eta, now: now)) }
                if let build = member.build {
                    fact(
                        &html, "Build", "\(build.version) by \(build.by)" + (build.rc.map { " against RC \($0)" } ?? "")
                    )
                }
                if let result = member.result {
                    fact(&html, "Last test") { html in
                        html.text("\(result.passed ? "passed" : "failed") against RC \(result.rc)")
                        if let log = result.log {
                            html.text(" — ")
                            html.link(log, text: "log")
                        }
                    }
                }
                if let waiver = member.waiver { fact(&html, "Waived", "\(waiver.reason) (by \(waiver.by))") }
                if let exclusion = member.exclusion {
                    fact(&html, "Excluded", "\(exclusion.reason) (by \(exclusion.by))")
                }
                if let decline = member.declineReason { fact(&html, "Declined", decline) }
            }
            let reasons = train.blockedReasons(of: member, at: now)
            html.element("section", ["aria-labelledby": "blocked"]) { html in
                html.element("h2", ["id": "blocked"], text: "What holds it")
                if reasons.isEmpty {
                    html.element("p", text: "Nothing holds it.")
                } else {
                    html.element("ul") { html in
                        for reason in reasons {
                            html.element("li") { html in
                                html.element("strong", text: reason.kind.rawValue)
                                html.text(": \(reason.detail) — on \(reason.on.joined(separator: ", ")), since ")
                                html.text(date(reason.since, now: now))
                            }
                        }
                    }
                }
            }
            html.element("section", ["aria-labelledby": "history"]) { html in
                html.element("h2", ["id": "history"], text: "History in this train")
                eventTable(&html, events, caption: "Events about \(member.name), oldest first")
            }
        }
    }

    /// `/packages/{name}`: every train the package is in, its state and version in each, with
    /// the ETA its maintainers gave; the trains in progress first.
    static func package(_ name: String, in trains: [Train], at now: Date) -> String {
        page(title: "\(name) in every train", crumbs: [(name, packagePath(name))], refresh: true, now: now) { html in
            html.element("h1", text: name)
            let holding = trains.filter { $0.core == name || $0.member(name) != nil }
                .sorted { ($0.stage.isTerminal ? 1 : 0, $1.createdAt) < ($1.stage.isTerminal ? 1 : 0, $0.createdAt) }
            let active = holding.filter { !$0.stage.isTerminal }.count
            html.element(
                "p",
                text: "In \(holding.count) train\(holding.count == 1 ? "" : "s"), \(active) of them in progress. "
                    + "Its state in one train does not move it in another.")
            html.element("div", ["class": "scroll"]) { html in
                html.element("table") { html in
                    html.element("caption", text: "\(name) in every train, the trains in progress first")
                    header(&html, ["Train", "Train's stage", "State", "Version in the train", "ETA", "Since"])
                    html.element("tbody") { html in
                        for train in holding {
                            html.element("tr") { html in
                                html.element("th", ["scope": "row"]) { html in
                                    html.element("a", ["href": trainPath(train.name)], text: "torch \(train.name)")
                                }
                                html.element("td") { stageBadge(&$0, train.stage) }
                                guard let member = train.member(name) else {
                                    html.element("td", text: "the core")
                                    html.element("td", text: train.version.description)
                                    html.element("td", text: "—")
                                    html.element("td", text: date(train.createdAt, now: now))
                                    return
                                }
                                html.element("td") { html in
                                    html.element("a", ["href": memberPath(train.name, name)]) {
                                        stateBadge(&$0, member.state)
                                    }
                                }
                                html.element("td", text: (member.targetVersion ?? member.currentVersion).description)
                                html.element("td", text: member.eta.map { date($0, now: now) } ?? "—")
                                html.element("td", text: date(member.since, now: now))
                            }
                        }
                    }
                }
            }
        }
    }

    /// A page for an error (an unknown train or member).
    static func error(status: Int, message: String, at now: Date) -> String {
        page(title: "Not found", crumbs: [], refresh: false, now: now) { html in
            html.element("h1", text: status == 404 ? "Not found" : "Error \(status)")
            html.element("p", text: message)
            html.element("p") { html in html.element("a", ["href": "/"], text: "Every train") }
        }
    }

    // MARK: - Sections

    private static func trainTable(_ html: inout HTML, _ trains: [Train], caption: String, now: Date) {
        html.element("div", ["class": "scroll"]) { html in
            html.element("table") { html in
                html.element("caption", text: caption)
                header(&html, ["Train", "Kind", "Stage", "Progress", "Blocked", "Age"])
                html.element("tbody") { html in
                    for train in trains {
                        let counted = train.members.filter { $0.state != .excluded }
                        let ready = counted.filter { $0.state == .passed }.count
                        let blocked = train.members.filter { member in
                            train.blockedReasons(of: member, at: now).contains { $0.kind == .blockedBy }
                        }.count
                        html.element("tr") { html in
                            html.element("th", ["scope": "row"]) { html in
                                html.element(
                                    "a", ["href": trainPath(train.name)],
                                    text: "torch \(train.version)")
                            }
                            html.element("td", text: train.kind.rawValue)
                            html.element("td") { stageBadge(&$0, train.stage) }
                            html.element("td") { html in
                                html.element(
                                    "progress", ["max": String(max(counted.count, 1)), "value": String(ready)],
                                    text: "\(ready) of \(counted.count)")
                                html.text(" \(ready) / \(counted.count) ready")
                            }
                            html.element("td", text: blocked == 0 ? "none" : "\(blocked) blocked")
                            html.element("td", text: age(since: train.createdAt, now: now))
                        }
                    }
                }
            }
        }
    }

    /// The trains in progress side by side: each package's state in each of them.
    private static func sideBySide(_ html: inout HTML, _ trains: [Train]) {
        html.element("section", ["aria-labelledby": "side-by-side"]) { html in
            html.element("h2", ["id": "side-by-side"], text: "Side by side")
            html.element(
                "p", text: "A package in several trains has a state in each; a dash means the train does not need it.")
            var names: [String] = []
            var seen = Set<String>()
            for train in trains {
                for member in train.members where seen.insert(member.name).inserted { names.append(member.name) }
            }
            html.element("div", ["class": "scroll"]) { html in
                html.element("table", ["class": "side"]) { html in
                    html.element("caption", text: "Each package's state in every train in progress")
                    html.element("thead") { html in
                        html.element("tr") { html in
                            html.element("th", ["scope": "col"], text: "Package")
                            for train in trains {
                                html.element("th", ["scope": "col"]) { html in
                                    html.element("a", ["href": trainPath(train.name)], text: "torch \(train.name)")
                                    html.text(" ")
                                    stageBadge(&html, train.stage)
                                }
                            }
                        }
                    }
                    html.element("tbody") { html in
                        for name in names {
                            html.element("tr") { html in
                                html.element("th", ["scope": "row"]) { html in
                                    html.element("a", ["href": packagePath(name)], text: name)
                                }
                                for train in trains {
                                    guard let member = train.member(name) else {
                                        html.element("td", text: "—")
                                        continue
                                    }
                                    html.element("td") { html in
                                        html.element("a", ["href": memberPath(train.name, name)]) {
                                            stateBadge(&$0, member.state)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func summary(_ html: inout HTML, _ train: Train, now: Date) {
        html.element("dl", ["class": "facts"]) { html in
            fact(&html, "Kind", train.kind.rawValue)
            fact(&html, "Release candidate", train.rc.map { "RC \($0)" } ?? "none yet")
            if let final = train.finalRC { fact(&html, "Final", "RC \(final)") }
            let counted = train.members.filter { $0.state != .excluded }
            fact(
                &html, "Members",
                "\(counted.filter { $0.state == .passed }.count) of \(counted.count) ready, "
                    + "\(train.members.count - counted.count) excluded")
            fact(&html, "Started", date(train.createdAt, now: now))
            fact(&html, "Revision", String(train.revision))
            if let reason = train.abortReason { fact(&html, "Aborted", reason) }
            if let next = train.supersededBy {
                fact(&html, "Superseded by") { $0.element("a", ["href": trainPath(next)], text: "torch \(next)") }
            }
            if let earlier = train.supersedes {
                fact(&html, "Supersedes") { html in
                    html.element("a", ["href": trainPath(earlier)], text: "torch \(earlier)")
                    html.text(" (the log says what it carried over)")
                }
            }
        }
    }

    private static func timeline(_ html: inout HTML, _ train: Train) {
        html.element("section", ["aria-labelledby": "timeline"]) { html in
            html.element("h2", ["id": "timeline"], text: "Stages")
            html.element("ol", ["class": "timeline"]) { html in
                for entry in train.history {
                    let current = entry == train.history.last
                    html.element("li", current ? ["aria-current": "step", "class": "current"] : [:]) { html in
                        html.element("strong", text: entry.stage.rawValue)
                        html.text(entry.fallback ? " (fell back) " : " ")
                        html.element("time", ["datetime": iso(entry.at)], text: iso(entry.at))
                        html.text(" by \(entry.by)")
                        if current { html.text(" — current") }
                    }
                }
                var upcoming = train.stage.next
                while let stage = upcoming {
                    html.element("li", ["class": "upcoming"]) { html in
                        html.element("strong", text: stage.rawValue)
                        html.text(" — not yet")
                    }
                    upcoming = stage.next
                }
                if train.stage == .staged {
                    html.element("li", ["class": "upcoming"]) { html in
                        html.element("strong", text: "released")
                        html.text(" — not yet")
                    }
                }
            }
        }
    }

    private static func gate(_ html: inout HTML, _ train: Train) {
        let checks = train.gate(leaving: train.stage)
        let holds = train.gateHolds(leaving: train.stage)
        html.element("section", ["aria-labelledby": "gate"]) { html in
            html.element("h2", ["id": "gate"], text: "Gate to leave \(train.stage.rawValue)")
            html.element("ul", ["class": "checklist"]) { html in
                for check in checks {
                    html.element("li", ["class": check.ok ? "ok" : "not-ok"]) { html in
                        html.element("span", ["class": "mark"], text: check.ok ? "✔ met" : "✘ not met")
                        html.text(" ")
                        html.element("strong", text: check.name)
                        html.text(": \(check.detail)")
                    }
                }
            }
            if holds {
                html.element("p") { html in
                    html.text("The gate holds: a release manager moves the train on with ")
                    let command =
                        train.stage == .staged
                        ? "railyard train promote \(train.version) --yes" : "railyard train advance \(train.version)"
                    html.element("code", text: command)
                    html.text(".")
                }
            }
        }
    }

    private static func why(_ html: inout HTML, _ train: Train, now: Date) {
        guard !train.stage.isTerminal else { return }
        let causes = train.rootCauses(at: now)
        html.element("section", ["aria-labelledby": "why", "class": "why"]) { html in
            html.element("h2", ["id": "why"], text: "Why isn’t it moving?")
            if causes.isEmpty {
                html.element(
                    "p",
                    text: train.gateHolds(leaving: train.stage)
                        ? "Nothing blocks it: the gate holds."
                        : "No one is blocking it: it is waiting for CI (builds and tests in progress).")
                return
            }
            let blocking = causes.filter(\.blocking)
            let requests = causes.filter { !$0.blocking }
            html.element(
                "p",
                text: blocking.isEmpty
                    ? "Nothing is stuck; \(requests.count) request\(requests.count == 1 ? " is" : "s are") open."
                    : "\(blocking.count) blocked member\(blocking.count == 1 ? "" : "s") hold\(blocking.count == 1 ? "s" : "") the train; members merely waiting for them are not listed."
            )
            if !blocking.isEmpty {
                html.element("ol", ["class": "causes"]) { html in
                    for cause in blocking { rootCause(&html, cause, train: train, now: now) }
                }
            }
            if !requests.isEmpty {
                html.element("h3", text: "Open requests (\(requests.count)), within their deadline")
                html.element("div", ["class": "scroll"]) { html in
                    html.element("table") { html in
                        html.element("caption", text: "Requests to maintainers not answered or built yet")
                        header(&html, ["Package", "What", "Owners", "Since", "Answer with"])
                        html.element("tbody") { html in
                            for cause in requests {
                                html.element("tr") { html in
                                    html.element("th", ["scope": "row"]) { html in
                                        html.element(
                                            "a", ["href": memberPath(train.name, cause.member)],
                                            text: cause.member)
                                    }
                                    html.element("td", text: cause.detail)
                                    html.element("td", text: cause.owners.joined(separator: ", "))
                                    html.element("td", text: date(cause.since, now: now))
                                    html.element("td") { html in html.element("code", text: cause.commands.first ?? "")
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func rootCause(_ html: inout HTML, _ cause: RootCause, train: Train, now: Date) {
        html.element("li") { html in
            html.element("p") { html in
                html.element("a", ["href": memberPath(train.name, cause.member)]) { html in
                    html.element("strong", text: cause.member)
                }
                html.text(": \(cause.detail)")
            }
            html.element("p", ["class": "meta"]) { html in
                html.text("Owner\(cause.owners.count == 1 ? "" : "s"): ")
                html.element("strong", text: cause.owners.joined(separator: ", "))
                html.text(" · since ")
                html.text(date(cause.since, now: now))
            }
            if !cause.commands.isEmpty {
                html.element("pre") { html in html.element("code", text: cause.commands.joined(separator: "\n")) }
            }
        }
    }

    /// Members × cells: where each member stands in each cell of the RC, as a CI matrix shows
    /// it, in text (a mark and a word) so that it reads without colour or a browser. One table
    /// for the members tested in every cell (companions, C++/CUDA extensions), one for those
    /// tested once per subdir.
    private static func cellMatrix(_ html: inout HTML, _ train: Train) {
        let columns = train.cellColumns
        guard !columns.isEmpty else { return }
        let own = Set(train.cells.map(\.key))
        html.element("section", ["aria-labelledby": "matrix"]) { html in
            html.element("h2", ["id": "matrix"], text: "Test matrix")
            html.element(
                "p",
                text:
                    "Each cell of the RC is a subdir, a python and CUDA or CPU. ✔ passed, ✘ failed, … testing,"
                    + " ○ waiting, – exempt, ✔ waived (w); a blank: not a cell of that member."
            )
            for (caption, cells) in [
                ("Companions and C++/CUDA extensions, in every cell", columns.filter(own.contains)),
                ("Other members, once per subdir", columns.filter { !own.contains($0) }),
            ] where !cells.isEmpty {
                let rows = train.members.compactMap { member -> (TrainMember, [CellState?])? in
                    let states = cells.map { train.cellState(of: member, in: $0) }
                    return states.contains { $0 != nil } ? (member, states) : nil
                }
                guard !rows.isEmpty else { continue }
                html.element("div", ["class": "scroll"]) { html in
                    html.element("table", ["class": "matrix"]) { html in
                        html.element(
                            "caption", text: "\(caption): \(rows.count) × \(cells.count) against RC \(train.rc ?? 0)")
                        html.element("thead") { html in
                            html.element("tr") { html in
                                html.element("th", ["scope": "col"], text: "Package")
                                for cell in cells {
                                    let parts = cell.split(separator: "/", maxSplits: 1).map(String.init)
                                    html.element("th", ["scope": "col"]) { html in
                                        html.text(parts[0])
                                        if parts.count > 1 {
                                            html.raw("<br/>")
                                            html.text(parts[1].replacingOccurrences(of: "_", with: " "))
                                        }
                                    }
                                }
                            }
                        }
                        html.element("tbody") { html in
                            for (member, states) in rows {
                                html.element("tr") { html in
                                    html.element("th", ["scope": "row"], text: member.name)
                                    for state in states { cellEntry(&html, state) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func cellEntry(_ html: inout HTML, _ state: CellState?) {
        guard let state else {
            html.element("td", text: "")
            return
        }
        let mark: String =
            switch state {
            case .passed: "✔ passed"
            case .failed: "✘ failed"
            case .testing: "… testing"
            case .waiting: "○ waiting"
            case .exempt: "– exempt"
            case .waived: "✔ waived (w)"
            }
        html.element("td", ["class": "cell-\(state.rawValue)"], text: mark)
    }

    private static func members(_ html: inout HTML, _ train: Train, now: Date) {
        let version = train.name
        html.element("section", ["aria-labelledby": "members"]) { html in
            html.element("h2", ["id": "members"], text: "Members by wave")
            let waves = Dictionary(grouping: train.members, by: \.wave).sorted { $0.key < $1.key }
            for (wave, members) in waves {
                html.element("div", ["class": "scroll"]) { html in
                    html.element("table") { html in
                        html.element(
                            "caption", text: "Wave \(wave): \(members.count) member\(members.count == 1 ? "" : "s")")
                        header(
                            &html,
                            ["Package", "State", "Reason", "Version", "Maintainers", "Deadline", "Last log", "Held by"])
                        html.element("tbody") { html in
                            for member in members {
                                html.element("tr") { html in
                                    html.element("th", ["scope": "row"]) { html in
                                        html.element("a", ["href": memberPath(version, member.name)], text: member.name)
                                    }
                                    html.element("td") { stateBadge(&$0, member.state) }
                                    html.element("td", text: member.reason.rawValue)
                                    html.element("td") { html in
                                        let target = member.targetVersion.map { $0.description } ?? ""
                                        html.text(
                                            target.isEmpty || target == member.currentVersion.description
                                                ? member.currentVersion.description
                                                : "\(member.currentVersion) → \(target)")
                                    }
                                    html.element("td", text: member.maintainers.joined(separator: ", "))
                                    html.element(
                                        "td",
                                        text: member.hasOpenRequest
                                            ? member.deadline.map { date($0, now: now) } ?? "—" : "—")
                                    html.element("td") { html in
                                        if let log = member.result?.log ?? member.buildFailure?.log {
                                            html.link(log, text: HTML.linkable(log) ? "log" : log)
                                        } else {
                                            html.text("—")
                                        }
                                    }
                                    html.element("td") { html in
                                        let reasons = train.blockedReasons(of: member, at: now)
                                        if reasons.isEmpty { html.text("—") }
                                        for (index, reason) in reasons.enumerated() {
                                            if index > 0 { html.raw("<br/>") }
                                            html.text("\(reason.kind.rawValue): \(reason.detail)")
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func eventTable(_ html: inout HTML, _ events: [LoggedEvent], caption: String) {
        html.element("div", ["class": "scroll"]) { html in
            html.element("table") { html in
                html.element("caption", text: caption)
                header(&html, ["Revision", "When", "Who", "What"])
                html.element("tbody") { html in
                    for event in events {
                        html.element("tr") { html in
                            html.element("td", text: String(event.revision))
                            html.element("td") { html in
                                html.element("time", ["datetime": iso(event.at)], text: iso(event.at))
                            }
                            html.element("td", text: event.actor)
                            html.element("td", text: event.event.summary)
                        }
                    }
                }
            }
        }
    }

    /// The members as an SVG: a column per wave, a box per member (its state written in it),
    /// a line from each member to the parents it depends on.
    static func graph(_ train: Train) -> String {
        let columnWidth = 230
        let rowHeight = 46
        let waves = Dictionary(grouping: train.members, by: \.wave).sorted { $0.key < $1.key }
        var position: [String: (x: Int, y: Int)] = [:]
        for (column, (_, members)) in waves.enumerated() {
            for (row, member) in members.enumerated() {
                position[member.name] = (20 + column * columnWidth, 40 + row * rowHeight)
            }
        }
        let width = max(1, waves.count) * columnWidth + 20
        let height = (waves.map(\.value.count).max() ?? 1) * rowHeight + 50
        var svg = HTML()
        svg.raw(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" aria-labelledby=\"graph-title\">"
        )
        svg.element("title", ["id": "graph-title"], text: "Members of torch \(train.version) by wave and dependency")
        for (column, (wave, _)) in waves.enumerated() {
            svg.element(
                "text", ["x": String(20 + column * columnWidth), "y": "22", "class": "wave"], text: "wave \(wave)")
        }
        for member in train.members {
            guard let to = position[member.name] else { continue }
            for parent in member.parents {
                guard let from = position[parent] else { continue }
                svg.element(
                    "line",
                    [
                        "x1": String(from.x + 190), "y1": String(from.y + 17), "x2": String(to.x),
                        "y2": String(to.y + 17), "class": "edge",
                    ], text: "")
            }
        }
        for member in train.members {
            guard let at = position[member.name] else { continue }
            svg.element("g", ["class": "node state-\(member.state.rawValue)"]) { svg in
                svg.element(
                    "rect", ["x": String(at.x), "y": String(at.y), "width": "190", "height": "34", "rx": "5"], text: "")
                svg.element(
                    "text", ["x": String(at.x + 8), "y": String(at.y + 22)],
                    text: "\(member.name): \(member.state.rawValue)")
            }
        }
        svg.raw("</svg>")
        return svg.output
    }

    // MARK: - Pieces

    private static func page(
        title: String, crumbs: [(String, String)], refresh: Bool, now: Date, _ body: (inout HTML) -> Void
    ) -> String {
        var html = HTML()
        html.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        if refresh { html.raw("<meta http-equiv=\"refresh\" content=\"60\"/>") }
        html.element("title", text: "\(title) · Railyard")
        html.raw("<style>\(style)</style></head><body>")
        html.element("a", ["href": "#main", "class": "skip"], text: "Skip to the content")
        html.element("header") { html in
            html.element("nav", ["aria-label": "Breadcrumbs"]) { html in
                html.element("a", ["href": "/"], text: "Railyard")
                for (label, path) in crumbs {
                    html.text(" › ")
                    html.element("a", ["href": path], text: label)
                }
            }
        }
        html.element("main", ["id": "main"]) { body(&$0) }
        html.element("footer") { html in
            html.text("Rendered at ")
            html.element("time", ["datetime": iso(now)], text: iso(now))
            html.text(" · the same data as JSON under ")
            html.element("a", ["href": "/api/v1/trains"], text: "/api/v1")
        }
        html.raw("</body></html>\n")
        return html.output
    }

    private static func header(_ html: inout HTML, _ columns: [String]) {
        html.element("thead") { html in
            html.element("tr") { html in
                for column in columns { html.element("th", ["scope": "col"], text: column) }
            }
        }
    }

    private static func fact(_ html: inout HTML, _ name: String, _ value: String) {
        fact(&html, name) { $0.text(value) }
    }

    private static func fact(_ html: inout HTML, _ name: String, _ value: (inout HTML) -> Void) {
        html.element("div") { html in
            html.element("dt", text: name)
            html.element("dd") { value(&$0) }
        }
    }

    private static func stageBadge(_ html: inout HTML, _ stage: Stage) {
        html.element("span", ["class": "badge stage-\(stage.rawValue)"], text: stage.rawValue)
    }

    private static func stateBadge(_ html: inout HTML, _ state: MemberState) {
        let mark: String =
            switch state {
            case .passed: "✔ "
            case .failed, .declined: "✘ "
            case .excluded: "⊘ "
            default: ""
            }
        html.element("span", ["class": "badge state-\(state.rawValue)"], text: mark + state.rawValue)
    }

    static func trainPath(_ version: String) -> String { "/trains/\(HTML.segment(version))" }

    static func packagePath(_ name: String) -> String { "/packages/\(HTML.segment(name))" }

    static func memberPath(_ version: String, _ name: String) -> String {
        "/trains/\(HTML.segment(version))/members/\(HTML.segment(name))"
    }

    private static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    private static func date(_ date: Date, now: Date) -> String {
        let relative = date <= now ? "\(age(since: date, now: now)) ago" : "in \(age(since: now, now: date))"
        return "\(iso(date)) (\(relative))"
    }

    /// "3d 4h", "2h 5m", "40s".
    static func age(since start: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(start)))
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3_600
        let minutes = seconds % 3_600 / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m" }
        return "\(seconds)s"
    }

    /// Legible on a laptop and a phone; contrast at least 4.5:1 for text; colour only repeats text.
    static let style = """
        :root{color-scheme:light;--ink:#1a1a1a;--muted:#4a4a4a;--line:#c8c8c8;--bg:#ffffff;--panel:#f4f5f7}
        *{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
        header,main,footer{max-width:78rem;margin:0 auto;padding:0.75rem 1rem}header{border-bottom:1px solid var(--line)}
        footer{color:var(--muted);border-top:1px solid var(--line);font-size:0.9rem}
        a{color:#0b4f9c}a:focus,a:hover{outline:2px solid #0b4f9c;outline-offset:1px}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:0.5rem}
        h1{font-size:1.6rem;margin:0.5rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid var(--line)}
        table{border-collapse:collapse;width:100%;margin:0.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:0.25rem 0}
        th,td{border:1px solid var(--line);padding:0.35rem 0.5rem;text-align:left;vertical-align:top}thead th{background:var(--panel)}
        .scroll{overflow-x:auto}pre{background:var(--panel);padding:0.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
        .facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:0.25rem 1rem}.facts dt{font-weight:600}.facts dd{margin:0}
        .badge{display:inline-block;padding:0.05rem 0.5rem;border-radius:0.75rem;font-size:0.9rem;font-weight:600;border:1px solid #555;background:#eee;color:#1a1a1a}
        .state-passed,.stage-released{background:#1b5e20;color:#fff;border-color:#1b5e20}
        .state-failed,.state-declined,.stage-aborted{background:#b71c1c;color:#fff;border-color:#b71c1c}
        .state-requested,.state-acknowledged,.state-pending{background:#fff3cd;color:#4d3800;border-color:#8a6d00}
        .state-built,.state-testing{background:#0d47a1;color:#fff;border-color:#0d47a1}
        .state-excluded{background:#424242;color:#fff}
        .matrix td,.side td{white-space:nowrap}.matrix .cell-passed,.matrix .cell-waived{background:#c8e6c9}.matrix .cell-failed{background:#ffcdd2}
        .matrix .cell-testing{background:#bbdefb}.matrix .cell-waiting{background:#fff3cd}.matrix .cell-exempt{color:var(--muted)}
        .checklist{list-style:none;padding:0}.checklist .mark{font-weight:700}.checklist .ok .mark{color:#1b5e20}.checklist .not-ok .mark{color:#b71c1c}
        .timeline .current{font-weight:600}.timeline .upcoming{color:var(--muted)}
        .why{border-left:4px solid #b71c1c;padding-left:0.75rem}.causes>li{margin-bottom:1rem}.meta{color:var(--muted);margin:0}
        svg .edge{stroke:#777;stroke-width:1.5}svg rect{fill:#eee;stroke:#555}svg text{font:13px system-ui,sans-serif;fill:#1a1a1a}
        svg .wave{font-weight:700}svg .state-passed rect{fill:#c8e6c9}svg .state-failed rect,svg .state-declined rect{fill:#ffcdd2}
        svg .state-requested rect,svg .state-acknowledged rect,svg .state-pending rect{fill:#fff3cd}svg .state-excluded rect{fill:#d6d6d6}
        @media (max-width:40rem){body{font-size:15px}th,td{padding:0.25rem}}
        @media print{meta{display:none}}
        """
}
