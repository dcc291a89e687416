import Hummingbird
import KaoheApplication
import KaoheStorage

/// Each user's inbox: the list, marking read, and the user's e-mail settings; the administrators' outbox.
struct InboxController {
    let deps: AppDependencies

    func register(on router: Router<AppContext>) {
        let operations = Operations(deps)
        router.get(SiteURL.inbox.routerPath) { request, context -> HTML in
            let user = try context.require(.useSite)
            return Views.inbox(
                try await operations.inbox(for: user), identity: context.identity!, csrf: context.csrfToken,
                notice: Notice.from(request))
        }
        router.post(SiteURL.inboxRead(.key).routerPath) { _, context -> Response in
            let user = try context.require(.useSite)
            try await operations.markNotificationRead(try context.parameters.require("id"), for: user)
            return .redirect(to: .inbox, notice: .read)
        }
        router.post(SiteURL.inboxReadAll.routerPath) { _, context -> Response in
            let user = try context.require(.useSite)
            try await operations.markAllNotificationsRead(for: user)
            return .redirect(to: .inbox, notice: .allRead)
        }
        router.post(SiteURL.accountMail.routerPath) { _, context -> Response in
            let user = try context.require(.useSite)
            try await operations.setMailPreferences(
                email: context.form["email"] ?? "", mode: context.form["mode"] ?? "", for: user)
            return .redirect(to: .inbox, notice: .mailSettings)
        }
        router.get(SiteURL.mailOutbox.routerPath) { request, context -> HTML in
            let user = try context.require(.manageUsers)
            return Views.mailOutbox(
                try await operations.mailOutbox(for: user), identity: context.identity!, csrf: context.csrfToken,
                notice: Notice.from(request))
        }
        router.post(SiteURL.mailRetry.routerPath) { _, context -> Response in
            let user = try context.require(.manageUsers)
            let id = context.form["id"].flatMap { $0.isEmpty ? nil : $0 }
            let changed = try await operations.retryMail(id, for: user)
            return .redirect(to: .mailOutbox, notice: changed > 0 ? .mailRetried : .mailNotRetried)
        }
    }
}
