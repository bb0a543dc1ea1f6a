import { Alert, Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { describeError, fieldErrors } from '../../api/errors';
import { useSession } from '../../api/useSession';
import { safeNext } from '../../app/home';
import { PageFrame } from '../../components/PageFrame';
import { useSignIn } from './hooks';

export default function SignInPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const signIn = useSignIn();
  const next = params.get('next');
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter your email address'),
      password: (v) => (v ? null : 'Enter your password'),
    },
  });

  if (session.status === 'signed-in' && !signIn.isPending) return <Navigate to={safeNext(next, session.user.role)} replace />;

  const submit = form.onSubmit((values) =>
    signIn.mutate(values, {
      onSuccess: (user) => navigate(safeNext(next, user.role), { replace: true }),
      onError: (err) => form.setErrors(fieldErrors(err)),
    }),
  );

  return (
    <PageFrame title="Sign in" maxWidth={420}>
      {next && session.status === 'signed-out' && (
        <Alert color="blue" variant="light">
          {session.expired ? 'Your session ended. Sign in again to go back where you were.' : 'Sign in to open that page.'}
        </Alert>
      )}
      <Paper withBorder p="lg" component="form" onSubmit={submit} noValidate aria-label="Sign in">
        <Stack>
          <TextInput label="Email" type="email" autoComplete="username" required {...form.getInputProps('email')} />
          <PasswordInput label="Password" autoComplete="current-password" required {...form.getInputProps('password')} />
          {signIn.error && (
            <Alert color="red" variant="light" role="alert">
              {describeError(signIn.error)}
            </Alert>
          )}
          <Button type="submit" loading={signIn.isPending}>
            Sign in
          </Button>
        </Stack>
      </Paper>
      <Text size="sm">
        New here?{' '}
        <Anchor component={Link} to="/signup">
          Create an account
        </Anchor>
      </Text>
    </PageFrame>
  );
}
