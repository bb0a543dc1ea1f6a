import { Alert, Anchor, Button, Paper, SimpleGrid, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link, Navigate, useNavigate } from 'react-router';
import { ApiError, describeError, fieldErrors } from '../../api/errors';
import { useSession } from '../../api/useSession';
import { HOME } from '../../app/home';
import { PageFrame } from '../../components/PageFrame';
import { useSignUp } from './hooks';

export default function SignUpPage() {
  const session = useSession();
  const navigate = useNavigate();
  const signUp = useSignUp();
  const form = useForm({
    initialValues: { first_name: '', last_name: '', email: '', password: '' },
    validate: {
      first_name: (v) => (v.trim() ? null : 'Enter your first name'),
      last_name: (v) => (v.trim() ? null : 'Enter your last name'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter your email address'),
      password: (v) => (v.length >= 8 && v.length <= 128 ? null : 'Use 8 to 128 characters'),
    },
  });

  if (session.status === 'signed-in' && !signUp.isPending) return <Navigate to={HOME[session.user.role]} replace />;

  const submit = form.onSubmit((values) =>
    signUp.mutate(
      { ...values, first_name: values.first_name.trim(), last_name: values.last_name.trim() },
      {
        onSuccess: (user) => navigate(HOME[user.role], { replace: true }),
        onError: (err) => {
          form.setErrors(fieldErrors(err));
          if (err instanceof ApiError && err.code === 'CONFLICT') form.setFieldError('email', 'An account with this email already exists');
        },
      },
    ),
  );

  return (
    <PageFrame title="Create an account" maxWidth={480}>
      <Paper withBorder p="lg" component="form" onSubmit={submit} noValidate aria-label="Create an account">
        <Stack>
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput label="First name" autoComplete="given-name" required {...form.getInputProps('first_name')} />
            <TextInput label="Last name" autoComplete="family-name" required {...form.getInputProps('last_name')} />
          </SimpleGrid>
          <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
          <PasswordInput
            label="Password"
            description="8 to 128 characters"
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          {signUp.error && (
            <Alert color="red" variant="light" role="alert">
              {describeError(signUp.error)}
            </Alert>
          )}
          <Button type="submit" loading={signUp.isPending}>
            Create account
          </Button>
        </Stack>
      </Paper>
      <Text size="sm">
        Already have an account?{' '}
        <Anchor component={Link} to="/signin">
          Sign in
        </Anchor>
      </Text>
    </PageFrame>
  );
}
