// Who and when: a first-party anonymous id (cookie plus localStorage) and 30-minute sessions.
// Nothing is written until the tracker allows it (consent given, no privacy signal).

export const SESSION_MS = 30 * 60 * 1000;
export const ANONYMOUS_KEY = 'bl_aid';
export const SESSION_KEY = 'bl_sid';
export const USER_KEY = 'bl_uid';
export const ARM_KEY = 'bl_arm';

// env: store (jsonStore), cookies ({get(name), set(name, value)}), newId()
export function createIdentity(env) {
  const { store, cookies } = env;
  let allowed = false;
  const anonymousId = cookies.get(ANONYMOUS_KEY) || store.get(ANONYMOUS_KEY) || env.newId();
  let session = store.get(SESSION_KEY);
  let userId = store.get(USER_KEY);
  let arm;

  function persist() {
    if (!allowed) return;
    cookies.set(ANONYMOUS_KEY, anonymousId);
    store.set(ANONYMOUS_KEY, anonymousId);
    if (session) store.set(SESSION_KEY, session);
    if (userId) store.set(USER_KEY, userId);
    if (arm) store.set(ARM_KEY, arm);
  }

  return {
    anonymousId: () => anonymousId,
    userId: () => userId,
    // The session of an activity at time `at` (ms): a new one after 30 idle minutes.
    sessionId(at) {
      if (!session || !session.id || at - session.t > SESSION_MS) {
        session = { id: env.newId(), t: at };
      } else {
        session.t = Math.max(session.t, at);
      }
      persist();
      return session.id;
    },
    // The visitor's arm (treatment or holdout), kept so that the snippet reserves no space
    // for a holdout visitor's widgets on later pages.
    setArm(value) {
      arm = value;
      persist();
    },
    identify(id) {
      userId = id;
      persist();
    },
    allow(value) {
      allowed = value;
      persist();
    },
  };
}
