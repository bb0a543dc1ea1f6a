import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { login, updateUser, type User } from '../../api/session';

export const meKey = ['me'] as const;

/** The signed-in user's profile, fresh from the API. */
export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: async () => (await unwrap(api.GET('/v1/users/me'))).user });
}

export function useSignIn() {
  return useMutation({ mutationFn: ({ email, password }: { email: string; password: string }) => login(email, password) });
}

export interface SignUpInput {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
}

/** Creates a customer account, then signs it in. */
export function useSignUp() {
  return useMutation({
    mutationFn: async (body: SignUpInput) => {
      await unwrap(api.POST('/v1/auth/signup', { body }));
      return login(body.email, body.password);
    },
  });
}

export type ProfileChange = Partial<Pick<User, 'first_name' | 'last_name' | 'email_opt_in'>>;

export function useUpdateMe() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: ProfileChange) => (await unwrap(api.PATCH('/v1/users/me', { body }))).user,
    onSuccess: (user) => {
      qc.setQueryData(meKey, user);
      updateUser(user);
    },
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) => unwrap(api.POST('/v1/users/me/password', { body })),
  });
}
