// What `session_sqlalchemy_model = T` requires of T, on a struct without #[session_model].
pub struct Plain {
    pub session_id: String,
}

fn use_model<M: session_runtime::SessionModel>() {}

fn main() {
    use_model::<Plain>();
}
