export const ROLE_IDS = { admin: 1, manager: 2, customer: 3 } as const;
export type RoleName = keyof typeof ROLE_IDS;
export const ROLE_NAMES: Record<number, RoleName> = { 1: 'admin', 2: 'manager', 3: 'customer' };

export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A user row as repositories return it. */
export interface UserRecord {
  id: number;
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  roleId: number;
  status: UserStatus;
  emailOptIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A user without the password hash: what is cached and shown. */
export type UserProfile = Omit<UserRecord, 'passwordHash'>;

/** The public shape of a user: never the password hash. */
export interface UserView {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  role_id: number;
  role: RoleName;
  status: UserStatus;
  email_opt_in: boolean;
  created_at: string;
  updated_at: string;
}

export function toUserView(u: UserProfile): UserView {
  return {
    id: u.id,
    email: u.email,
    first_name: u.firstName,
    last_name: u.lastName,
    role_id: u.roleId,
    role: ROLE_NAMES[u.roleId] ?? 'customer',
    status: u.status,
    email_opt_in: u.emailOptIn,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

/** Who is making a request, as the authenticate middleware establishes it. */
export interface Principal {
  userId: number;
  roleId: number;
  sessionId: string;
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
