//! The user index as a handler reaches it ([`Session`]) and as code outside a request does
//! ([`SessionLayer`]).

use tokio::sync::broadcast;

use super::manage::Which;
use super::{SessionEvent, UserSession};
use crate::error::SessionError;
use crate::layer::SessionLayer;
use crate::session::Session;

/// Listing and revoking the current user's sessions: the user is the value of
/// `session_user_key` in this session (with Flask-Login, `_user_id`). Each fails with a
/// [`SessionError::Store`] when `session_user_key` is not set; an anonymous session has no
/// sessions to list or revoke.
impl Session {
    /// The current user's live sessions, this one (marked [`current`](UserSession::current))
    /// included once it is stored; empty for an anonymous session.
    ///
    /// ```
    /// # async fn handler(session: session_runtime::Session) -> Result<(), session_runtime::SessionError> {
    /// for s in session.user_sessions().await? {
    ///     println!("{} {}", s.handle, if s.current { "(this browser)" } else { "" });
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn user_sessions(&self) -> Result<Vec<UserSession>, SessionError> {
        let (owner, key) = self.owner_and_key().await?;
        let Some(user) = owner else { return self.anonymous(Vec::new()) };
        let shared = self.shared();
        Ok(shared.accounts.list(&*shared.store, &user, key.as_deref()).await?)
    }

    /// Ends the current user's session named `handle` (from [`user_sessions`](Self::user_sessions));
    /// `false` when no session of this user has it (another user's handle included). Ending this
    /// very session deletes it; its cookie is removed by [`destroy`](Self::destroy), or stops
    /// working on the next request.
    pub async fn revoke_session(&self, handle: &str) -> Result<bool, SessionError> {
        Ok(self.revoke(Which::Handle(handle)).await? > 0)
    }

    /// Ends every session of the current user but this one ("log out my other devices");
    /// returns how many went.
    pub async fn revoke_other_sessions(&self) -> Result<u64, SessionError> {
        let (_, key) = self.owner_and_key().await?;
        self.revoke(Which::AllBut(key.as_deref())).await
    }

    /// Ends every session of the current user, this one included, which is
    /// [`destroy`](Self::destroy)ed (its cookie removed); returns how many went.
    pub async fn revoke_all_sessions(&self) -> Result<u64, SessionError> {
        let (owner, key) = self.owner_and_key().await?;
        let others = self.revoke(Which::AllBut(key.as_deref())).await?;
        // This one goes as a logout does, when the response goes out (one `Destroyed` event).
        self.destroy().await?;
        Ok(others + u64::from(owner.is_some() && key.is_some()))
    }

    /// This session's handle, once it is stored.
    pub async fn handle(&self) -> Result<Option<super::SessionHandle>, SessionError> {
        let (_, key) = self.owner_and_key().await?;
        let shared = self.shared();
        Ok(key.map(|key| shared.accounts.handle_of(&*shared.store, &key)))
    }

    async fn revoke(&self, which: Which<'_>) -> Result<u64, SessionError> {
        let (owner, _) = self.owner_and_key().await?;
        let Some(user) = owner else { return self.anonymous(0) };
        let shared = self.shared();
        Ok(shared.accounts.revoke(&*shared.store, &user, which).await?)
    }

    /// What an anonymous session answers: `nothing`, or the missing setting's error.
    fn anonymous<T>(&self, nothing: T) -> Result<T, SessionError> {
        match self.shared().accounts.indexing() {
            true => Ok(nothing),
            false => Err(no_user_key()),
        }
    }
}

/// The same for code outside a request (an admin page, a password change, a job), by user.
impl SessionLayer {
    /// `user`'s live sessions (none is [`current`](UserSession::current)).
    pub async fn user_sessions(&self, user: &str) -> Result<Vec<UserSession>, SessionError> {
        let shared = self.shared();
        self.indexing()?;
        Ok(shared.accounts.list(&*shared.store, user, None).await?)
    }

    /// Ends `user`'s session named `handle`; `false` when none of `user`'s has it.
    pub async fn revoke_session(&self, user: &str, handle: &str) -> Result<bool, SessionError> {
        let shared = self.shared();
        self.indexing()?;
        Ok(shared.accounts.revoke(&*shared.store, user, Which::Handle(handle)).await? > 0)
    }

    /// Ends every session of `user` (after a password change, or by an admin); returns how many went.
    pub async fn revoke_user_sessions(&self, user: &str) -> Result<u64, SessionError> {
        let shared = self.shared();
        self.indexing()?;
        Ok(shared.accounts.revoke(&*shared.store, user, Which::All).await?)
    }

    /// A stream of the lifecycle events of this layer's sessions (see [`SessionEvent`] for which
    /// each store delivers). Events are sent only while a receiver exists; one that falls more
    /// than 1024 events behind is told how many it missed
    /// ([`RecvError::Lagged`](broadcast::error::RecvError::Lagged)).
    ///
    /// ```no_run
    /// # async fn f(layer: session_runtime::SessionLayer) {
    /// let mut events = layer.subscribe();
    /// tokio::spawn(async move {
    ///     while let Ok(event) = events.recv().await {
    ///         println!("{event:?}");
    ///     }
    /// });
    /// # }
    /// ```
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.shared().accounts.subscribe()
    }

    fn indexing(&self) -> Result<(), SessionError> {
        self.shared().accounts.indexing().then_some(()).ok_or_else(no_user_key)
    }
}

fn no_user_key() -> SessionError {
    SessionError::Store(crate::store::StoreError::Unavailable { reason: super::NO_USER_KEY })
}
