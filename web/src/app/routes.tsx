import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter } from 'react-router';
import type { Role } from '../api/session';
import { NotFound } from '../components/NotFound';
import { Guard } from './Guard';
import { Layout } from './Layout';

/** Who may open a route: anyone, anyone signed in, or the listed roles. */
export type Access = 'public' | 'signed-in' | readonly Role[];

export interface AppRoute {
  path: string;
  access: Access;
  page: LazyExoticComponent<ComponentType>;
}

const MANAGE: readonly Role[] = ['manager', 'admin'];
const ADMIN: readonly Role[] = ['admin'];
const CUSTOMER: readonly Role[] = ['customer'];

/** Every route of the app and the role it needs (the API checks again on every call). */
export const ROUTES: AppRoute[] = [
  { path: '/signin', access: 'public', page: lazy(() => import('../features/auth/SignInPage')) },
  { path: '/signup', access: 'public', page: lazy(() => import('../features/auth/SignUpPage')) },
  { path: '/profile', access: 'signed-in', page: lazy(() => import('../features/auth/ProfilePage')) },
  { path: '/campaigns', access: MANAGE, page: lazy(() => import('../features/campaigns/CampaignListPage')) },
  { path: '/campaigns/new', access: MANAGE, page: lazy(() => import('../features/campaigns/CampaignNewPage')) },
  { path: '/campaigns/:id', access: MANAGE, page: lazy(() => import('../features/campaigns/CampaignPage')) },
  { path: '/campaigns/:id/edit', access: MANAGE, page: lazy(() => import('../features/campaigns/CampaignEditPage')) },
  { path: '/approvals', access: ADMIN, page: lazy(() => import('../features/approvals/ApprovalQueuePage')) },
  { path: '/approvals/:id', access: ADMIN, page: lazy(() => import('../features/approvals/ReviewPage')) },
  { path: '/offers', access: CUSTOMER, page: lazy(() => import('../features/offers/OffersPage')) },
  { path: '/users', access: ADMIN, page: lazy(() => import('../features/users/UsersPage')) },
  { path: '/audit', access: ADMIN, page: lazy(() => import('../features/audit/AuditPage')) },
  { path: '/campaigns/:id/deliveries', access: MANAGE, page: lazy(() => import('../features/deliveries/DeliveriesPage')) },
  { path: '/suppressions', access: ADMIN, page: lazy(() => import('../features/suppressions/SuppressionsPage')) },
];

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Guard access="signed-in" home /> },
      ...ROUTES.map((r) => ({ path: r.path, element: <Guard access={r.access} page={r.page} /> })),
      { path: '*', element: <NotFound /> },
    ],
  },
]);
