import KaoheStorage

/// Who is making a request, established by the session cookie (pages) or a bearer token (API).
public struct Identity: Sendable {
    /// Creates an identity.
    public init(user: User, session: Session?) {
        self.user = user
        self.session = session
    }

    /// The user.
    public var user: User
    /// The browser session, for page requests.
    public var session: Session?
    /// How many of the user's notifications are unread (page requests; 0 for API tokens).
    public var unreadNotifications = 0
}
